#include <cstring>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Slice and Pad, mirror images: a Slice's output is a window of its input, a Pad's input a window
// of its output (zeros around it). Each direction is one reorder between the plain whole and a
// sub-memory of it (the window's dimensions and offsets within the whole); the side written
// through its window is zeroed first (a Pad's output, a Slice's input gradient).
class CpuWindow : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    const Shape input = shapeOf(in[0]);
    const Shape output = node.op->outputShape({input});
    m_pads = node.opName == "Pad";
    const Attrs& attrs = node.op->attrs();
    const Shape& whole = m_pads ? output : input;
    const Shape& part = m_pads ? input : output;
    m_whole = plainDesc(whole, m_compute);
    m_part = plainDesc(part, m_compute);
    dnnl::memory::dims offsets(whole.size(), 0);
    offsets[attrs.integer("axis")] = attrs.integer(m_pads ? "before" : "start");
    m_window = m_whole.submemory_desc(dnnl::memory::dims(part.begin(), part.end()), offsets);
    return plainDesc(output, m_compute);
  }

  void bind(const KernelIO& io) override {
    if (m_pads) {
      const dnnl::memory x = inLayout(m_forward, io.inputs[0], m_part);
      m_y = writeBuffer(io.output, m_whole);
      addReorder(m_forward, x, windowOf(m_y));
      finishInto(m_forward, m_y, io.output);
      if (io.outputGrad && io.inputGrads[0])
        addReorder(m_backward, windowOf(inLayout(m_backward, io.outputGrad, m_whole)),
                   io.inputGrads[0]);
      return;
    }
    const dnnl::memory x = inLayout(m_forward, io.inputs[0], m_whole);
    addReorder(m_forward, windowOf(x), io.output);
    if (!io.outputGrad || !io.inputGrads[0]) return;
    m_dx = writeBuffer(io.inputGrads[0], m_whole);
    addReorder(m_backward, io.outputGrad, windowOf(m_dx));
    finishInto(m_backward, m_dx, io.inputGrads[0]);
  }

  void forward(dnnl::stream& stream) override {
    if (m_y) std::memset(m_y.get_data_handle(), 0, m_whole.get_size());
    CpuKernel::forward(stream);
  }

  void backward(dnnl::stream& stream) override {
    if (m_dx) std::memset(m_dx.get_data_handle(), 0, m_whole.get_size());
    CpuKernel::backward(stream);
  }

 private:
  dnnl::memory windowOf(const dnnl::memory& whole) const {
    return dnnl::memory(m_window, cpuEngine(), whole.get_data_handle());
  }

  bool m_pads = false;
  dnnl::memory::desc m_whole, m_part, m_window;
  dnnl::memory m_y, m_dx;  // written through the window, so zeroed first
};
}  // namespace

const CpuKernelRegistration kSlice{{"Slice", "Pad"}, makeKernel<CpuWindow>};

}  // namespace twb
