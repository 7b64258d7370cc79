#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Transpose as one reorder: the output's plain buffer is described with the input's dimensions
// and permuted strides, so oneDNN copies each element to its transposed place. Backward is the
// reorder the other way.
class CpuTranspose : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    const Shape inShape = shapeOf(in[0]);
    const std::vector<int64_t> perm = node.op->attrs().integers("perm");
    const dnnl::memory::desc out = plainDesc(node.op->outputShape({inShape}), m_compute);
    // permute_axes(p) moves logical axis j to position p[j]; the output's axis j is the input's
    // axis perm[j], so p = perm describes the output buffer in the input's order.
    m_outputAsInput = out.permute_axes(std::vector<int>(perm.begin(), perm.end()));
    return out;
  }

  void bind(const KernelIO& io) override {
    addReorder(m_forward, io.inputs[0],
               dnnl::memory(m_outputAsInput, cpuEngine(), io.output.get_data_handle()));
    if (!io.outputGrad || !io.inputGrads[0]) return;
    addReorder(m_backward,
               dnnl::memory(m_outputAsInput, cpuEngine(), io.outputGrad.get_data_handle()),
               io.inputGrads[0]);
  }

 private:
  dnnl::memory::desc m_outputAsInput;
};
}  // namespace

const CpuKernelRegistration kTranspose{{"Transpose"}, makeKernel<CpuTranspose>};

}  // namespace twb
