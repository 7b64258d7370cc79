#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// Flatten and Reshape: a reorder from the input's layout into the plain layout of the input's
// dimensions, written straight into the output buffer, which is the same bytes re-shaped. This is
// where blocked activations meet the plain layout of fully connected layers.
// In frozen fp32 inference a Flatten absorbs the Linear that reads it: one oneDNN inner product
// over the unflattened value in the layout its producer wrote, the Linear's weights laid out to
// match once, so the activations are never reordered (cnn-small: 1.35-1.40 against 1.45-1.55 ms a
// step).
class CpuReshape : public CpuKernel {
 public:
  bool absorb(const GraphNode& self, const GraphNode& next,
              const dnnl::memory::desc& residual) override {
    if (m_compute != DType::f32 || self.opName != "Flatten" || next.opName != "Linear" || residual)
      return false;
    m_linear = &next;
    return true;
  }

  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    if (m_linear) return prepareInnerProduct(in[0]);
    const auto dims = in[0].dims();
    const Shape inShape(dims.begin(), dims.end());
    m_inputPlain = plainDesc(inShape, m_compute);
    return plainDesc(node.op->outputShape({inShape}), m_compute);
  }

  void bind(const KernelIO& io) override {
    if (m_linear) return bindInnerProduct(io);
    const dnnl::memory out(m_inputPlain, cpuEngine(), io.output.get_data_handle());
    addReorder(m_forward, io.inputs[0], out);
    if (!io.outputGrad || !io.inputGrads[0]) return;
    const dnnl::memory grad(m_inputPlain, cpuEngine(), io.outputGrad.get_data_handle());
    addReorder(m_backward, grad, io.inputGrads[0]);
  }

 private:
  dnnl::memory::desc prepareInnerProduct(const dnnl::memory::desc& src) {
    const auto dims = src.dims();
    const int64_t outputs = m_linear->params[0].shape[0];
    Shape weights(dims.begin(), dims.end());  // (out, the input's per-sample dimensions)
    weights[0] = outputs;
    m_weightsPlain = plainDesc(weights);
    m_bias = m_linear->params.size() > 1 ? plainDesc({outputs}) : dnnl::memory::desc();
    const dnnl::memory::desc anyWeights(m_weightsPlain.dims(), dnnl::memory::data_type::f32,
                                        dnnl::memory::format_tag::any);
    const dnnl::memory::desc dst = plainDesc({dims[0], outputs});
    m_innerProduct = dnnl::inner_product_forward::primitive_desc(
        {dnnl::prop_kind::forward_inference, src, anyWeights, m_bias, dst},
        attributesWithActivation(*m_linear, false), cpuEngine());
    noteScratchpad(m_innerProduct.scratchpad_desc());
    return dst;
  }

  void bindInnerProduct(const KernelIO& io) {
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, inLayout(m_forward, io.inputs[0], m_innerProduct.src_desc())},
        {DNNL_ARG_WEIGHTS, weightsInLayout(wrap(io.absorbedParams[0], m_weightsPlain),
                                           m_innerProduct.weights_desc())},
        {DNNL_ARG_DST, io.output}};
    if (m_bias) args[DNNL_ARG_BIAS] = wrap(io.absorbedParams[1], m_bias);
    addStep(m_forward, dnnl::inner_product_forward(m_innerProduct), args,
            m_innerProduct.scratchpad_desc(), io);
  }

  dnnl::memory::desc m_inputPlain;
  const GraphNode* m_linear = nullptr;  // absorbed by absorb()
  dnnl::memory::desc m_weightsPlain, m_bias;
  dnnl::inner_product_forward::primitive_desc m_innerProduct;
};
}  // namespace

const CpuKernelRegistration kReshapes{{"Flatten", "Reshape"}, makeKernel<CpuReshape>};

}  // namespace twb
