#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// ConvTranspose2d on oneDNN's deconvolution, f32 on plain buffers; the weight is read as it is
// stored, (C, OC, KH, KW) (oneDNN's iohw), so no copy is laid out. oneDNN's far-side padding is
// the padding less output_padding.
class CpuConvTranspose2d : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Attrs& a = node.op->attrs();
    const Shape x = shapeOf(in[0]);
    const Shape y = node.op->outputShape({x});
    const auto k = a.pair("kernel"), s = a.pair("stride"), p = a.pair("padding"),
               o = a.pair("output_padding"), d = a.pair("dilation");
    m_hasBias = a.boolean("bias");
    m_src = plainDesc(x);
    m_dst = plainDesc(y);
    m_weights = dnnl::memory::desc({y[1], x[1], k[0], k[1]}, dnnl::memory::data_type::f32,
                                   dnnl::memory::format_tag::iohw);
    m_bias = plainDesc({y[1]});
    const dnnl::memory::dims strides{s[0], s[1]}, dilates{d[0] - 1, d[1] - 1}, padL{p[0], p[1]},
        padR{p[0] - o[0], p[1] - o[1]};
    const auto prop =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    const auto algo = dnnl::algorithm::deconvolution_direct;
    m_fwd = m_hasBias
                ? dnnl::deconvolution_forward::primitive_desc(
                      {prop, algo, m_src, m_weights, m_bias, m_dst, strides, dilates, padL, padR},
                      attributes(), cpuEngine())
                : dnnl::deconvolution_forward::primitive_desc(
                      {prop, algo, m_src, m_weights, m_dst, strides, dilates, padL, padR},
                      attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    if (training) {
      m_bwdData = dnnl::deconvolution_backward_data::primitive_desc(
          {algo, m_src, m_weights, m_dst, strides, dilates, padL, padR}, attributes(), cpuEngine(),
          m_fwd);
      m_bwdWeights =
          m_hasBias ? dnnl::deconvolution_backward_weights::primitive_desc(
                          {algo, m_src, m_weights, m_bias, m_dst, strides, dilates, padL, padR},
                          attributes(), cpuEngine(), m_fwd)
                    : dnnl::deconvolution_backward_weights::primitive_desc(
                          {algo, m_src, m_weights, m_dst, strides, dilates, padL, padR},
                          attributes(), cpuEngine(), m_fwd);
      noteScratchpad(m_bwdData.scratchpad_desc());
      noteScratchpad(m_bwdWeights.scratchpad_desc());
    }
    return m_dst;
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory src = inLayout(m_forward, io.inputs[0], m_src);
    const dnnl::memory weights = wrap(io.params[0], m_weights);
    const dnnl::memory dst = writeBuffer(io.output, m_dst);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, src}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DST, dst}};
    if (m_hasBias) args[DNNL_ARG_BIAS] = wrap(io.params[1], m_bias);
    addStep(m_forward, dnnl::deconvolution_forward(m_fwd), args, m_fwd.scratchpad_desc(), io);
    finishInto(m_forward, dst, io.output);
    if (!io.outputGrad) return;
    const dnnl::memory dy = inLayout(m_backward, io.outputGrad, m_dst);
    if (io.inputGrads[0]) {
      const dnnl::memory dx = writeBuffer(io.inputGrads[0], m_src);
      addStep(m_backward, dnnl::deconvolution_backward_data(m_bwdData),
              {{DNNL_ARG_DIFF_DST, dy}, {DNNL_ARG_WEIGHTS, weights}, {DNNL_ARG_DIFF_SRC, dx}},
              m_bwdData.scratchpad_desc(), io);
      finishInto(m_backward, dx, io.inputGrads[0]);
    }
    if (io.paramGrads[0].empty()) return;
    std::unordered_map<int, dnnl::memory> bargs{
        {DNNL_ARG_SRC, inLayout(m_backward, io.inputs[0], m_src)},
        {DNNL_ARG_DIFF_DST, dy},
        {DNNL_ARG_DIFF_WEIGHTS, wrap(io.paramGrads[0], m_weights)}};
    if (m_hasBias) bargs[DNNL_ARG_DIFF_BIAS] = wrap(io.paramGrads[1], m_bias);
    addStep(m_backward, dnnl::deconvolution_backward_weights(m_bwdWeights), bargs,
            m_bwdWeights.scratchpad_desc(), io);
  }

  bool backwardReadsOutput() const override { return false; }

 private:
  bool m_hasBias = false;
  dnnl::memory::desc m_src, m_dst, m_weights, m_bias;
  dnnl::deconvolution_forward::primitive_desc m_fwd;
  dnnl::deconvolution_backward_data::primitive_desc m_bwdData;
  dnnl::deconvolution_backward_weights::primitive_desc m_bwdWeights;
};
}  // namespace

const CpuKernelRegistration kConvTranspose2d{{"ConvTranspose2d"}, makeKernel<CpuConvTranspose2d>};

}  // namespace twb
