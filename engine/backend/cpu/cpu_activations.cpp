#include "backend/cpu/cpu_kernel.h"
#include "core/error.h"

namespace twb {

namespace {
// One oneDNN eltwise primitive: y = algo(x; alpha, beta).
struct EltwiseStage {
  dnnl::algorithm algo;
  float alpha = 0, beta = 0;
};

// The eltwise stages an activation is, from the node's attributes. HardSigmoid has no oneDNN
// 2.6 algorithm: it is clip(alpha * x + beta, 0, 1), two stages.
std::vector<EltwiseStage> stagesOf(const GraphNode& node) {
  using a = dnnl::algorithm;
  const std::string& op = node.opName;
  const Attrs& attrs = node.op->attrs();
  auto number = [&](const char* name) { return static_cast<float>(attrs.number(name)); };
  if (op == "ReLU") return {{a::eltwise_relu}};
  if (op == "LeakyReLU") return {{a::eltwise_relu, number("negative_slope")}};
  if (op == "GELU") return {{a::eltwise_gelu_erf}};
  if (op == "Sigmoid") return {{a::eltwise_logistic}};
  if (op == "Tanh") return {{a::eltwise_tanh}};
  if (op == "SiLU") return {{a::eltwise_swish, 1.f}};
  if (op == "Hardswish") return {{a::eltwise_hardswish}};
  if (op == "ELU") return {{a::eltwise_elu, number("alpha")}};
  if (op == "Softplus") return {{a::eltwise_soft_relu}};
  if (op == "Mish") return {{a::eltwise_mish}};
  if (op == "Abs") return {{a::eltwise_abs}};
  if (op == "Exp") return {{a::eltwise_exp}};
  if (op == "Log") return {{a::eltwise_log}};
  if (op == "Sqrt") return {{a::eltwise_sqrt}};
  if (op == "Pow") return {{a::eltwise_pow, 1.f, number("exponent")}};
  if (op == "Scale") return {{a::eltwise_linear, number("factor"), 0.f}};
  if (op == "ReLU6") return {{a::eltwise_clip_v2, 0.f, 6.f}};
  if (op == "Clip") return {{a::eltwise_clip_v2, number("min"), number("max")}};
  if (op == "HardSigmoid")
    return {{a::eltwise_linear, number("alpha"), number("beta")}, {a::eltwise_clip_v2, 0.f, 1.f}};
  throw Error("node '" + node.name + "': " + op + " is not an activation");
}

// Elementwise activations on oneDNN eltwise, one primitive per stage; every value keeps the
// input's layout (oneDNN keeps a blocked layout's padding zero).
class CpuActivation : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const auto prop =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    m_stages.clear();
    std::vector<EltwiseStage> stages = stagesOf(node);
    // ReLU's gradient from its output (dst > 0 where src > 0), so its input need not be kept.
    m_fromOutput = training && node.opName == "ReLU";
    if (m_fromOutput) stages[0].algo = dnnl::algorithm::eltwise_relu_use_dst_for_bwd;
    for (const EltwiseStage& s : stages) {
      Stage stage;
      stage.fwd = dnnl::eltwise_forward::primitive_desc({prop, s.algo, in[0], s.alpha, s.beta},
                                                        attributes(), cpuEngine());
      noteScratchpad(stage.fwd.scratchpad_desc());
      if (training) {
        stage.bwd = dnnl::eltwise_backward::primitive_desc(
            {s.algo, stage.fwd.dst_desc(), m_fromOutput ? stage.fwd.dst_desc() : in[0], s.alpha,
             s.beta},
            attributes(), cpuEngine(), stage.fwd);
        noteScratchpad(stage.bwd.scratchpad_desc());
      }
      m_stages.push_back(std::move(stage));
    }
    return m_stages.back().fwd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    const bool backward = io.outputGrad && io.inputGrads[0];
    // values[i] is stage i's input; the last stage writes the output.
    std::vector<dnnl::memory> values{io.inputs[0]},
        grads{backward ? io.inputGrads[0] : dnnl::memory()};
    for (size_t i = 1; i < m_stages.size(); ++i) {
      values.emplace_back(m_stages[i - 1].fwd.dst_desc(), cpuEngine());
      if (backward) grads.emplace_back(m_stages[i - 1].fwd.dst_desc(), cpuEngine());
    }
    values.push_back(io.output);
    if (backward) grads.push_back(io.outputGrad);
    for (size_t i = 0; i < m_stages.size(); ++i)
      addStep(m_forward, dnnl::eltwise_forward(m_stages[i].fwd),
              {{DNNL_ARG_SRC, values[i]}, {DNNL_ARG_DST, values[i + 1]}},
              m_stages[i].fwd.scratchpad_desc(), io);
    if (!backward) return;
    for (size_t i = m_stages.size(); i-- > 0;)
      addStep(m_backward, dnnl::eltwise_backward(m_stages[i].bwd),
              {{m_fromOutput ? DNNL_ARG_DST : DNNL_ARG_SRC, values[i + m_fromOutput]},
               {DNNL_ARG_DIFF_DST, grads[i + 1]},
               {DNNL_ARG_DIFF_SRC, grads[i]}},
              m_stages[i].bwd.scratchpad_desc(), io);
  }

  // Each stage's gradient reads that stage's input, or ReLU's its output.
  bool backwardReadsInput(size_t) const override { return !m_fromOutput; }
  bool backwardReadsOutput() const override { return m_fromOutput; }

 private:
  struct Stage {
    dnnl::eltwise_forward::primitive_desc fwd;
    dnnl::eltwise_backward::primitive_desc bwd;
  };
  std::vector<Stage> m_stages;
  bool m_fromOutput = false;  // training ReLU: its gradient from its output
};
}  // namespace

const CpuKernelRegistration kActivations{
    {"ReLU", "LeakyReLU", "GELU", "Sigmoid", "Tanh", "SiLU", "Hardswish", "ELU", "Softplus", "Mish",
     "Abs", "Exp", "Log", "ReLU6", "Clip", "HardSigmoid", "Sqrt", "Pow", "Scale"},
    makeKernel<CpuActivation>};

}  // namespace twb
