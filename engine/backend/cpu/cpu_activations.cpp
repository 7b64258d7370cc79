#include "backend/cpu/cpu_kernel.h"
#include "core/error.h"

namespace twb {

namespace {
// ReLU, GELU (erf), Sigmoid and Tanh on oneDNN eltwise; the output keeps the input's layout.
class CpuActivation : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    using a = dnnl::algorithm;
    const a algo = node.opName == "ReLU"      ? a::eltwise_relu
                   : node.opName == "GELU"    ? a::eltwise_gelu_erf
                   : node.opName == "Sigmoid" ? a::eltwise_logistic
                                              : a::eltwise_tanh;
    const auto prop = training ? dnnl::prop_kind::forward_training
                               : dnnl::prop_kind::forward_inference;
    m_fwd = dnnl::eltwise_forward::primitive_desc({prop, algo, in[0], 0.f, 0.f}, attributes(),
                                                  cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwd = dnnl::eltwise_backward::primitive_desc({algo, m_fwd.dst_desc(), in[0], 0.f, 0.f},
                                                     attributes(), cpuEngine(), m_fwd);
      noteScratchpad(m_bwd.scratchpad_desc());
    }
    return m_fwd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    addStep(m_forward, dnnl::eltwise_forward(m_fwd),
            {{DNNL_ARG_SRC, io.inputs[0]}, {DNNL_ARG_DST, io.output}}, m_fwd.scratchpad_desc(),
            io);
    if (!io.outputGrad || !io.inputGrads[0]) return;
    addStep(m_backward, dnnl::eltwise_backward(m_bwd),
            {{DNNL_ARG_SRC, io.inputs[0]},
             {DNNL_ARG_DIFF_DST, io.outputGrad},
             {DNNL_ARG_DIFF_SRC, io.inputGrads[0]}},
            m_bwd.scratchpad_desc(), io);
  }

 private:
  dnnl::eltwise_forward::primitive_desc m_fwd;
  dnnl::eltwise_backward::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kActivations{{"ReLU", "GELU", "Sigmoid", "Tanh"}, makeKernel<CpuActivation>};

}  // namespace twb
