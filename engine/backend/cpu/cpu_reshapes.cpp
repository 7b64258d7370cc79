#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Flatten and Reshape: a reorder from the input's layout into the plain layout of the input's
// dimensions, written straight into the output buffer, which is the same bytes re-shaped. This is
// where blocked activations meet the plain layout of fully connected layers.
class CpuReshape : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    const auto dims = in[0].dims();
    const Shape inShape(dims.begin(), dims.end());
    m_inputPlain = plainDesc(inShape, m_compute);
    return plainDesc(node.op->outputShape({inShape}), m_compute);
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory out(m_inputPlain, cpuEngine(), io.output.get_data_handle());
    addReorder(m_forward, io.inputs[0], out);
    if (!io.outputGrad || !io.inputGrads[0]) return;
    const dnnl::memory grad(m_inputPlain, cpuEngine(), io.outputGrad.get_data_handle());
    addReorder(m_backward, grad, io.inputGrads[0]);
  }

 private:
  dnnl::memory::desc m_inputPlain;
};
}  // namespace

const CpuKernelRegistration kReshapes{{"Flatten", "Reshape"}, makeKernel<CpuReshape>};

}  // namespace twb
