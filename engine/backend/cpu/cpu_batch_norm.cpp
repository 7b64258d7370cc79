#include "backend/cpu/cpu_kernels.h"

namespace twb {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using flags = dnnl::normalization_flags;

// BatchNorm2d on oneDNN. Training normalises with the batch statistics and then folds them into
// the running ones as PyTorch does (the running variance takes the unbiased batch variance);
// inference uses the running statistics.
class CpuBatchNorm : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Attrs& a = node.op->attrs();
    const float eps = static_cast<float>(a.number("eps"));
    m_momentum = static_cast<float>(a.number("momentum"));
    const auto dims = in[0].dims();
    m_perChannel = dims[0] * dims[2] * dims[3];
    m_channel = dnnl::memory::desc({dims[1]}, dt::f32, tag::a);
    m_training = training;
    const auto f = flags::use_scale | flags::use_shift;
    if (training) {
      m_fwd = dnnl::batch_normalization_forward::primitive_desc(
          {dnnl::prop_kind::forward_training, in[0], eps, f}, attributes(), cpuEngine());
      m_bwd = dnnl::batch_normalization_backward::primitive_desc(
          {dnnl::prop_kind::backward, m_fwd.dst_desc(), in[0], eps, f}, attributes(),
          cpuEngine(), m_fwd);
      noteScratchpad(m_bwd.scratchpad_desc());
    } else {
      m_fwd = dnnl::batch_normalization_forward::primitive_desc(
          {dnnl::prop_kind::forward_inference, in[0], eps, f | flags::use_global_stats},
          attributes(), cpuEngine());
    }
    noteScratchpad(m_fwd.scratchpad_desc());
    return m_fwd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    m_runningMean = io.params[2];
    m_runningVar = io.params[3];
    const dnnl::memory scale = wrap(io.params[0], m_channel), shift = wrap(io.params[1], m_channel);
    if (m_training) {
      m_batchMean = Tensor({m_channel.dims()[0]}, DType::f32);
      m_batchVar = Tensor({m_channel.dims()[0]}, DType::f32);
    }
    const dnnl::memory mean = wrap(m_training ? m_batchMean : m_runningMean, m_channel);
    const dnnl::memory var = wrap(m_training ? m_batchVar : m_runningVar, m_channel);
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, io.inputs[0]}, {DNNL_ARG_DST, io.output}, {DNNL_ARG_SCALE, scale},
        {DNNL_ARG_SHIFT, shift},      {DNNL_ARG_MEAN, mean},     {DNNL_ARG_VARIANCE, var}};
    if (m_fwd.workspace_desc().get_size() > 0)
      args[DNNL_ARG_WORKSPACE] = dnnl::memory(m_fwd.workspace_desc(), cpuEngine());
    addStep(m_forward, dnnl::batch_normalization_forward(m_fwd), args, m_fwd.scratchpad_desc(),
            io);
    if (!io.outputGrad) return;
    // oneDNN's backward always computes diff_src; without a consumer it goes to a scratch buffer.
    const dnnl::memory diffSrc =
        io.inputGrads[0] ? io.inputGrads[0] : dnnl::memory(io.inputs[0].get_desc(), cpuEngine());
    addStep(m_backward, dnnl::batch_normalization_backward(m_bwd),
            {{DNNL_ARG_SRC, io.inputs[0]},
             {DNNL_ARG_MEAN, mean},
             {DNNL_ARG_VARIANCE, var},
             {DNNL_ARG_DIFF_DST, io.outputGrad},
             {DNNL_ARG_SCALE, scale},
             {DNNL_ARG_SHIFT, shift},  // unused by the math, but oneDNN 2.6 insists
             {DNNL_ARG_DIFF_SRC, diffSrc},
             {DNNL_ARG_DIFF_SCALE, wrap(io.paramGrads[0], m_channel)},
             {DNNL_ARG_DIFF_SHIFT, wrap(io.paramGrads[1], m_channel)}},
            m_bwd.scratchpad_desc(), io);
  }

  void forward(dnnl::stream& stream) override {
    run(m_forward, stream);
    if (!m_training) return;
    stream.wait();
    const float m = m_momentum;
    const float unbias = m_perChannel > 1 ? static_cast<float>(m_perChannel) / (m_perChannel - 1)
                                          : 1.0f;
    float *rm = m_runningMean.data<float>(), *rv = m_runningVar.data<float>();
    const float *bm = m_batchMean.data<float>(), *bv = m_batchVar.data<float>();
    for (int64_t c = 0; c < m_runningMean.numel(); ++c) {
      rm[c] = (1 - m) * rm[c] + m * bm[c];
      rv[c] = (1 - m) * rv[c] + m * bv[c] * unbias;
    }
  }

 private:
  bool m_training = false;
  float m_momentum = 0.1f;
  int64_t m_perChannel = 1;
  dnnl::memory::desc m_channel;
  Tensor m_runningMean, m_runningVar, m_batchMean, m_batchVar;
  dnnl::batch_normalization_forward::primitive_desc m_fwd;
  dnnl::batch_normalization_backward::primitive_desc m_bwd;
};
}  // namespace

std::unique_ptr<CpuKernel> makeCpuBatchNorm() { return std::make_unique<CpuBatchNorm>(); }

}  // namespace twb
