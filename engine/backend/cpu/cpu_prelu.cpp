#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// PReLU on oneDNN's prelu primitive, in f32 on plain buffers: the slopes are its weights,
// broadcast over the dimensions where their shape (aligned at the last) is 1, the batch
// included. Backward writes the input's gradient and the slopes' (summed over what they are
// broadcast over) in one primitive; where either is not wanted it goes to a buffer of its own.
class CpuPrelu : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Shape x = shapeOf(in[0]);
    Shape slopes = node.op->attrs().integers("shape");
    slopes.insert(slopes.begin(), x.size() - slopes.size(), 1);  // aligned at the last dimension
    m_x = plainDesc(x);
    m_slopes = plainDesc(slopes);
    const auto prop =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    m_fwd = dnnl::prelu_forward::primitive_desc({prop, m_x, m_slopes}, attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwd = dnnl::prelu_backward::primitive_desc({m_x, m_slopes, m_x, m_slopes}, attributes(),
                                                   cpuEngine(), m_fwd);
      noteScratchpad(m_bwd.scratchpad_desc());
    }
    return m_x;
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory x = inLayout(m_forward, io.inputs[0], m_x);
    const dnnl::memory slopes = wrap(io.params[0], m_slopes);
    const dnnl::memory y = writeBuffer(io.output, m_x);
    addStep(m_forward, dnnl::prelu_forward(m_fwd),
            {{DNNL_ARG_SRC, x}, {DNNL_ARG_WEIGHTS, slopes}, {DNNL_ARG_DST, y}},
            m_fwd.scratchpad_desc(), io);
    finishInto(m_forward, y, io.output);
    const bool inputGrad = !io.inputGrads.empty() && io.inputGrads[0];
    const bool slopeGrad = !io.paramGrads.empty() && !io.paramGrads[0].empty();
    if (!io.outputGrad || (!inputGrad && !slopeGrad)) return;
    const dnnl::memory xAgain = inLayout(m_backward, io.inputs[0], m_x);
    const dnnl::memory dy = inLayout(m_backward, io.outputGrad, m_x);
    const dnnl::memory dx =
        inputGrad ? writeBuffer(io.inputGrads[0], m_x) : dnnl::memory(m_x, cpuEngine());
    const dnnl::memory dSlopes =
        slopeGrad ? wrap(io.paramGrads[0], m_slopes) : dnnl::memory(m_slopes, cpuEngine());
    addStep(m_backward, dnnl::prelu_backward(m_bwd),
            {{DNNL_ARG_SRC, xAgain},
             {DNNL_ARG_WEIGHTS, wrap(io.params[0], m_slopes)},
             {DNNL_ARG_DIFF_DST, dy},
             {DNNL_ARG_DIFF_SRC, dx},
             {DNNL_ARG_DIFF_WEIGHTS, dSlopes}},
            m_bwd.scratchpad_desc(), io);
    if (inputGrad) finishInto(m_backward, dx, io.inputGrads[0]);
  }

  bool backwardReadsOutput() const override { return false; }

 private:
  dnnl::memory::desc m_x, m_slopes;
  dnnl::prelu_forward::primitive_desc m_fwd;
  dnnl::prelu_backward::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kPrelu{{"PReLU"}, makeKernel<CpuPrelu>};

}  // namespace twb
