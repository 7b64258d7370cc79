#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Upsample on oneDNN's resampling, f32 on plain buffers: nearest or linear (oneDNN's linear
// samples at pixel centres, PyTorch's align_corners=False). Backward spreads each output
// gradient back over the input pixels it was made of.
class CpuUpsample : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Shape x = shapeOf(in[0]);
    const auto s = node.op->attrs().pair("scale");
    const auto algorithm = node.op->attrs().string("mode") == "bilinear"
                               ? dnnl::algorithm::resampling_linear
                               : dnnl::algorithm::resampling_nearest;
    m_x = plainDesc(x);
    m_y = plainDesc({x[0], x[1], x[2] * s[0], x[3] * s[1]});
    const auto prop =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    m_fwd = dnnl::resampling_forward::primitive_desc({prop, algorithm, m_x, m_y}, attributes(),
                                                     cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwd = dnnl::resampling_backward::primitive_desc({algorithm, m_x, m_y}, attributes(),
                                                        cpuEngine(), m_fwd);
      noteScratchpad(m_bwd.scratchpad_desc());
    }
    return m_y;
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory x = inLayout(m_forward, io.inputs[0], m_x);
    const dnnl::memory y = writeBuffer(io.output, m_y);
    addStep(m_forward, dnnl::resampling_forward(m_fwd), {{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, y}},
            m_fwd.scratchpad_desc(), io);
    finishInto(m_forward, y, io.output);
    if (!io.outputGrad || io.inputGrads.empty() || !io.inputGrads[0]) return;
    const dnnl::memory dy = inLayout(m_backward, io.outputGrad, m_y);
    const dnnl::memory dx = writeBuffer(io.inputGrads[0], m_x);
    addStep(m_backward, dnnl::resampling_backward(m_bwd),
            {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_DIFF_SRC, dx}}, m_bwd.scratchpad_desc(), io);
    finishInto(m_backward, dx, io.inputGrads[0]);
  }

  // Its gradient is a function of the output's gradient alone.
  bool backwardReadsInput(size_t) const override { return false; }
  bool backwardReadsOutput() const override { return false; }

 private:
  dnnl::memory::desc m_x, m_y;
  dnnl::resampling_forward::primitive_desc m_fwd;
  dnnl::resampling_backward::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kUpsample{{"Upsample"}, makeKernel<CpuUpsample>};

}  // namespace twb
