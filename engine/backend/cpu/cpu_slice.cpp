#include <cstring>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Slice as one reorder from a sub-memory of the plain input (its dimensions and offsets within
// the whole). Backward zeroes the input's gradient, then copies dy into the same window.
class CpuSlice : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    const Shape input = shapeOf(in[0]);
    const Shape output = node.op->outputShape({input});
    m_input = plainDesc(input, m_compute);
    dnnl::memory::dims offsets(input.size(), 0);
    offsets[node.op->attrs().integer("axis")] = node.op->attrs().integer("start");
    m_window = m_input.submemory_desc(dnnl::memory::dims(output.begin(), output.end()), offsets);
    return plainDesc(output, m_compute);
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory x = inLayout(m_forward, io.inputs[0], m_input);
    addReorder(m_forward, dnnl::memory(m_window, cpuEngine(), x.get_data_handle()), io.output);
    if (!io.outputGrad || !io.inputGrads[0]) return;
    m_dx = writeBuffer(io.inputGrads[0], m_input);
    m_dxBytes = m_input.get_size();
    addReorder(m_backward, io.outputGrad,
               dnnl::memory(m_window, cpuEngine(), m_dx.get_data_handle()));
    finishInto(m_backward, m_dx, io.inputGrads[0]);
  }

  void backward(dnnl::stream& stream) override {
    if (m_dx) std::memset(m_dx.get_data_handle(), 0, m_dxBytes);
    CpuKernel::backward(stream);
  }

 private:
  dnnl::memory::desc m_input, m_window;
  dnnl::memory m_dx;
  size_t m_dxBytes = 0;
};
}  // namespace

const CpuKernelRegistration kSlice{{"Slice"}, makeKernel<CpuSlice>};

}  // namespace twb
