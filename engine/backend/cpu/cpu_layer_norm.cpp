#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// LayerNorm on oneDNN's layer normalisation over the last dimension of a plain tensor; the data
// may be bf16, the statistics, scale and shift are f32. Training keeps the batch's mean and
// variance for backward, which also gives the weight and bias gradients. A LayerNorm without
// parameters (affine false) asks oneDNN for neither.
class CpuLayerNorm : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    using flags = dnnl::normalization_flags;
    const auto prop =
        training ? dnnl::prop_kind::forward_training : dnnl::prop_kind::forward_inference;
    const float eps = static_cast<float>(node.op->attrs().number("eps"));
    m_src = plainDesc(shapeOf(in[0]), m_compute);
    const int64_t d = shapeOf(in[0]).back();
    m_features = plainDesc({d});
    m_affine = node.op->attrs().boolean("affine");
    const flags affine = m_affine ? flags::use_scale | flags::use_shift : flags::none;
    m_fwd = dnnl::layer_normalization_forward::primitive_desc({prop, m_src, eps, affine},
                                                              attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    m_training = training;
    if (training) {
      m_bwd = dnnl::layer_normalization_backward::primitive_desc(
          {dnnl::prop_kind::backward, m_src, m_src, eps, affine}, attributes(), cpuEngine(), m_fwd);
      noteScratchpad(m_bwd.scratchpad_desc());
    }
    return m_fwd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    const dnnl::memory x = inLayout(m_forward, io.inputs[0], m_src);
    std::unordered_map<int, dnnl::memory> args{{DNNL_ARG_SRC, x}, {DNNL_ARG_DST, io.output}};
    // The scale and shift, which backward is given too (the shift unread, but oneDNN 2.6
    // refuses to run without it), with their gradients.
    std::unordered_map<int, dnnl::memory> affine;
    if (m_affine) {
      affine = {{DNNL_ARG_SCALE, wrap(io.params[0], m_features)},
                {DNNL_ARG_SHIFT, wrap(io.params[1], m_features)}};
      args.insert(affine.begin(), affine.end());
    }
    if (m_training) {  // written by a training forward, also where no gradient reaches it
      m_mean = dnnl::memory(m_fwd.mean_desc(), cpuEngine());
      m_variance = dnnl::memory(m_fwd.variance_desc(), cpuEngine());
      args[DNNL_ARG_MEAN] = m_mean;
      args[DNNL_ARG_VARIANCE] = m_variance;
    }
    addStep(m_forward, dnnl::layer_normalization_forward(m_fwd), args, m_fwd.scratchpad_desc(), io);
    if (!io.outputGrad) return;
    // oneDNN always computes the data gradient; without a reader it lands in a spare buffer.
    const dnnl::memory dx =
        io.inputGrads[0] ? writeBuffer(io.inputGrads[0], m_src) : dnnl::memory(m_src, cpuEngine());
    if (m_affine) {
      m_scaleGrad = writtenGradient(io.paramGrads[0], shapeOf(m_features));
      m_shiftGrad = writtenGradient(io.paramGrads[1], shapeOf(m_features));
      affine[DNNL_ARG_DIFF_SCALE] = wrap(m_scaleGrad, m_features);
      affine[DNNL_ARG_DIFF_SHIFT] = wrap(m_shiftGrad, m_features);
    }
    std::unordered_map<int, dnnl::memory> backward{
        {DNNL_ARG_SRC, x},
        {DNNL_ARG_DIFF_DST, inLayout(m_backward, io.outputGrad, m_src)},
        {DNNL_ARG_MEAN, m_mean},
        {DNNL_ARG_VARIANCE, m_variance},
        {DNNL_ARG_DIFF_SRC, dx}};
    backward.insert(affine.begin(), affine.end());
    addStep(m_backward, dnnl::layer_normalization_backward(m_bwd), backward,
            m_bwd.scratchpad_desc(), io);
    if (io.inputGrads[0]) finishInto(m_backward, dx, io.inputGrads[0]);
  }

 private:
  dnnl::memory::desc m_src, m_features;
  bool m_affine = true;
  bool m_training = false;
  dnnl::memory m_mean, m_variance;
  Tensor m_scaleGrad, m_shiftGrad;  // the parameters', or a frozen layer's spares
  dnnl::layer_normalization_forward::primitive_desc m_fwd;
  dnnl::layer_normalization_backward::primitive_desc m_bwd;
};
}  // namespace

const CpuKernelRegistration kLayerNorm{{"LayerNorm"}, makeKernel<CpuLayerNorm>};

}  // namespace twb
