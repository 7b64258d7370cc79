#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Softmax over the classes of a plain (N, C) on oneDNN, always in f32.
class CpuSoftmax : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode&, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const auto prop = training ? dnnl::prop_kind::forward_training
                               : dnnl::prop_kind::forward_inference;
    m_src = plainDesc(shapeOf(in[0]));  // fp32, whatever the producer's type
    m_fwd = dnnl::softmax_forward::primitive_desc({prop, m_src, 1}, attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwd = dnnl::softmax_backward::primitive_desc({m_fwd.dst_desc(), m_src, 1}, attributes(),
                                                     cpuEngine(), m_fwd);
      noteScratchpad(m_bwd.scratchpad_desc());
    }
    return m_fwd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    addStep(m_forward, dnnl::softmax_forward(m_fwd),
            {{DNNL_ARG_SRC, inLayout(m_forward, io.inputs[0], m_src)}, {DNNL_ARG_DST, io.output}},
            m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad || !io.inputGrads[0]) return;
    const dnnl::memory dx = writeBuffer(io.inputGrads[0], m_src);
    addStep(m_backward, dnnl::softmax_backward(m_bwd),
            {{DNNL_ARG_DST, io.output}, {DNNL_ARG_DIFF_DST, io.outputGrad}, {DNNL_ARG_DIFF_SRC, dx}},
            m_bwd.scratchpad_desc(), io);
    finishInto(m_backward, dx, io.inputGrads[0]);
  }

 private:
  dnnl::memory::desc m_src;
  dnnl::softmax_forward::primitive_desc m_fwd;
  dnnl::softmax_backward::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kSoftmax{{"Softmax"}, makeKernel<CpuSoftmax>};

}  // namespace twb
