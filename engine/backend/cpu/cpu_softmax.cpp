#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Softmax and LogSoftmax along one axis of a plain tensor on oneDNN, always in f32.
class CpuSoftmax : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const auto prop =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    const auto algo = node.opName == "LogSoftmax" ? dnnl::algorithm::softmax_log
                                                  : dnnl::algorithm::softmax_accurate;
    const Shape shape = shapeOf(in[0]);
    const int64_t rank = static_cast<int64_t>(shape.size());
    const int64_t axis = node.op->attrs().integer("axis");
    const int resolved = static_cast<int>(axis < 0 ? axis + rank : axis);
    m_src = plainDesc(shape);  // fp32, whatever the producer's type
    m_fwd = dnnl::softmax_v2_forward::primitive_desc({prop, algo, m_src, m_src, resolved},
                                                     attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwd = dnnl::softmax_v2_backward::primitive_desc(
          {algo, m_src, m_src, m_fwd.dst_desc(), resolved}, attributes(), cpuEngine(), m_fwd);
      noteScratchpad(m_bwd.scratchpad_desc());
    }
    return m_fwd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    addStep(m_forward, dnnl::softmax_v2_forward(m_fwd),
            {{DNNL_ARG_SRC, inLayout(m_forward, io.inputs[0], m_src)}, {DNNL_ARG_DST, io.output}},
            m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad || !io.inputGrads[0]) return;
    const dnnl::memory dx = writeBuffer(io.inputGrads[0], m_src);
    addStep(m_backward, dnnl::softmax_v2_backward(m_bwd),
            {{DNNL_ARG_DST, io.output},
             {DNNL_ARG_DIFF_DST, inLayout(m_backward, io.outputGrad, m_src)},
             {DNNL_ARG_DIFF_SRC, dx}},
            m_bwd.scratchpad_desc(), io);
    finishInto(m_backward, dx, io.inputGrads[0]);
  }

 private:
  dnnl::memory::desc m_src;
  dnnl::softmax_v2_forward::primitive_desc m_fwd;
  dnnl::softmax_v2_backward::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kSoftmax{{"Softmax", "LogSoftmax"}, makeKernel<CpuSoftmax>};

}  // namespace twb
