#include "backend/cpu/cpu_kernels.h"

namespace twb {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;

// Linear on oneDNN inner products: x (N, K), W (OUT, K) plain as PyTorch stores it, y (N, OUT).
// Weights may be reordered into a blocked layout that the primitive prefers.
class CpuLinear : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const auto& w = node.params[0].shape;
    m_hasBias = node.params.size() > 1;
    m_src = in[0];
    m_weightsPlain = dnnl::memory::desc({w[0], w[1]}, dt::f32, tag::oi);
    m_bias = dnnl::memory::desc({w[0]}, dt::f32, tag::a);
    const dnnl::memory::desc dst({m_src.dims()[0], w[0]}, dt::f32, tag::nc);
    const dnnl::memory::desc anyWeights({w[0], w[1]}, dt::f32, tag::any);
    const auto prop = training ? dnnl::prop_kind::forward_training
                               : dnnl::prop_kind::forward_inference;
    m_fwd = m_hasBias ? dnnl::inner_product_forward::primitive_desc(
                            {prop, m_src, anyWeights, m_bias, dst}, attributes(), cpuEngine())
                      : dnnl::inner_product_forward::primitive_desc(
                            {prop, m_src, anyWeights, dst}, attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwdData = dnnl::inner_product_backward_data::primitive_desc(
          {m_src, anyWeights, dst}, attributes(), cpuEngine(), m_fwd);
      m_bwdWeights = m_hasBias ? dnnl::inner_product_backward_weights::primitive_desc(
                                     {m_src, anyWeights, m_bias, dst}, attributes(), cpuEngine(),
                                     m_fwd)
                               : dnnl::inner_product_backward_weights::primitive_desc(
                                     {m_src, anyWeights, dst}, attributes(), cpuEngine(), m_fwd);
      noteScratchpad(m_bwdData.scratchpad_desc());
      noteScratchpad(m_bwdWeights.scratchpad_desc());
    }
    return dst;
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory weights = inLayout(m_forward, wrap(io.params[0], m_weightsPlain),
                                          m_fwd.weights_desc());
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, io.inputs[0]}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, io.output}};
    if (m_hasBias) args[DNNL_ARG_BIAS] = wrap(io.params[1], m_bias);
    addStep(m_forward, dnnl::inner_product_forward(m_fwd), args, m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad) return;

    if (io.inputGrads[0]) {
      const dnnl::memory w = m_bwdData.weights_desc() == weights.get_desc()
                                 ? weights
                                 : inLayout(m_backward, weights, m_bwdData.weights_desc());
      addStep(m_backward, dnnl::inner_product_backward_data(m_bwdData),
              {{DNNL_ARG_DIFF_DST, io.outputGrad},
               {DNNL_ARG_WEIGHTS, w},
               {DNNL_ARG_DIFF_SRC, io.inputGrads[0]}},
              m_bwdData.scratchpad_desc(), io);
    }
    const dnnl::memory gradPlain = wrap(io.paramGrads[0], m_weightsPlain);
    const dnnl::memory grad = writeBuffer(gradPlain, m_bwdWeights.diff_weights_desc());
    std::unordered_map<int, dnnl::memory> bargs{
        {DNNL_ARG_SRC, io.inputs[0]}, {DNNL_ARG_DIFF_DST, io.outputGrad},
        {DNNL_ARG_DIFF_WEIGHTS, grad}};
    if (m_hasBias) bargs[DNNL_ARG_DIFF_BIAS] = wrap(io.paramGrads[1], m_bias);
    addStep(m_backward, dnnl::inner_product_backward_weights(m_bwdWeights), bargs,
            m_bwdWeights.scratchpad_desc(), io);
    finishInto(m_backward, grad, gradPlain);
  }

 private:
  bool m_hasBias = true;
  dnnl::memory::desc m_src, m_weightsPlain, m_bias;
  dnnl::inner_product_forward::primitive_desc m_fwd;
  dnnl::inner_product_backward_data::primitive_desc m_bwdData;
  dnnl::inner_product_backward_weights::primitive_desc m_bwdWeights;
};
}  // namespace

std::unique_ptr<CpuKernel> makeCpuLinear() { return std::make_unique<CpuLinear>(); }

}  // namespace twb
