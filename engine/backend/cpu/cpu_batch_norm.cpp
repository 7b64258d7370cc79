#include <cmath>
#include <vector>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
using tag = dnnl::memory::format_tag;
using dt = dnnl::memory::data_type;
using flags = dnnl::normalization_flags;

// BatchNorm2d on oneDNN. Training normalises with the batch statistics and then folds them into
// the running ones as PyTorch does (the running variance takes the unbiased batch variance);
// inference uses the running statistics.
//
// Synchronized (KernelIO::batchNormRanks set): the batch is every rank's share. Forward gathers
// each rank's count, mean and variance and combines them exactly (Chan's parallel formula), then
// normalises with the job's statistics. Backward treats those as constants in oneDNN
// (use_global_stats: dx = gamma / sigma * dy) and adds their share of the gradient itself:
// -gamma / sigma * (mean(dy) + x_hat * mean(dy * x_hat)) over the whole batch, whose sums are
// every rank's dbeta and dgamma. That term is affine in x per channel, so a BatchNorm inference
// primitive (mean 0, variance 1 - eps) computes it in whatever layout x has.
class CpuBatchNorm : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    const Attrs& a = node.op->attrs();
    m_eps = static_cast<float>(a.number("eps"));
    m_momentum = static_cast<float>(a.number("momentum"));
    const auto dims = in[0].dims();
    m_perChannel = dims[0] * dims[2] * dims[3];
    m_channel = dnnl::memory::desc({dims[1]}, dt::f32, tag::a);
    m_training = training;
    const auto f = flags::use_scale | flags::use_shift;
    if (training) {
      m_fwd = dnnl::batch_normalization_forward::primitive_desc(
          {dnnl::prop_kind::forward_training, in[0], m_eps, f}, attributes(), cpuEngine());
      m_bwd = dnnl::batch_normalization_backward::primitive_desc(
          {dnnl::prop_kind::backward, m_fwd.dst_desc(), in[0], m_eps, f}, attributes(),
          cpuEngine(), m_fwd);
      // Synchronized BatchNorm's primitives, made here so the shared scratchpad fits them.
      const auto global = f | flags::use_global_stats;
      m_fwdGlobal = dnnl::batch_normalization_forward::primitive_desc(
          {dnnl::prop_kind::forward_training, in[0], m_eps, global}, attributes(), cpuEngine());
      m_bwdGlobal = dnnl::batch_normalization_backward::primitive_desc(
          {dnnl::prop_kind::backward, m_fwdGlobal.dst_desc(), in[0], m_eps, global},
          attributes(), cpuEngine(), m_fwdGlobal);
      m_affine = inference(in[0], m_eps);
      for (const auto& pad : {m_bwd.scratchpad_desc(), m_fwdGlobal.scratchpad_desc(),
                              m_bwdGlobal.scratchpad_desc(), m_affine.scratchpad_desc()})
        noteScratchpad(pad);
    } else {
      m_fwd = inference(in[0], m_eps);
    }
    noteScratchpad(m_fwd.scratchpad_desc());
    return m_fwd.dst_desc();
  }

  void bind(const KernelIO& io) override {
    m_runningMean = io.params[2];
    m_runningVar = io.params[3];
    m_ranks = m_training && io.batchNormRanks && io.batchNormRanks->size() > 1
                  ? io.batchNormRanks
                  : nullptr;
    const dnnl::memory scale = wrap(io.params[0], m_channel), shift = wrap(io.params[1], m_channel);
    m_scale = io.params[0];
    const int64_t channels = m_channel.dims()[0];
    if (m_training) {
      m_batchMean = Tensor({channels}, DType::f32);
      m_batchVar = Tensor({channels}, DType::f32);
    }
    if (io.outputGrad) {
      m_dgamma = writtenGradient(io.paramGrads[0], {channels});
      m_dbeta = writtenGradient(io.paramGrads[1], {channels});
    }
    const dnnl::memory batchMean = wrap(m_training ? m_batchMean : m_runningMean, m_channel);
    const dnnl::memory batchVar = wrap(m_training ? m_batchVar : m_runningVar, m_channel);
    addForward(m_forward, m_fwd, io, batchMean, batchVar, scale, shift);
    if (!m_ranks) {
      if (io.outputGrad) addBackward(m_bwd, io, batchMean, batchVar, scale, shift);
      return;
    }

    // Room for what one rank sends per gather, and for every rank's: allocated here, so forward
    // and backward allocate nothing.
    m_mine.resize(1 + 2 * static_cast<size_t>(channels));
    m_gathered.resize(m_mine.size() * static_cast<size_t>(m_ranks->size()));
    // The job's statistics, and primitives that take them as given.
    m_jobMean = Tensor({channels}, DType::f32);
    m_jobVar = Tensor({channels}, DType::f32);
    const dnnl::memory jobMean = wrap(m_jobMean, m_channel), jobVar = wrap(m_jobVar, m_channel);
    addForward(m_normalise, m_fwdGlobal, io, jobMean, jobVar, scale, shift);
    if (!io.outputGrad) return;
    addBackward(m_bwdGlobal, io, jobMean, jobVar, scale, shift);
    if (!io.inputGrads[0]) return;  // no one reads dx: nothing to correct

    // dx += a + b * x per channel, as BatchNorm inference: (x - 0) / sqrt(1 - eps + eps) * b + a.
    m_slope = Tensor({channels}, DType::f32);
    m_offset = Tensor({channels}, DType::f32);
    m_zeroMean = Tensor({channels}, DType::f32);
    m_unitVar = Tensor({channels}, DType::f32);
    std::fill_n(m_zeroMean.data<float>(), channels, 0.0f);
    std::fill_n(m_unitVar.data<float>(), channels, 1.0f - m_eps);
    const dnnl::memory term(m_affine.dst_desc(), cpuEngine());
    addStep(m_correct, dnnl::batch_normalization_forward(m_affine),
            {{DNNL_ARG_SRC, io.inputs[0]},
             {DNNL_ARG_DST, term},
             {DNNL_ARG_MEAN, wrap(m_zeroMean, m_channel)},
             {DNNL_ARG_VARIANCE, wrap(m_unitVar, m_channel)},
             {DNNL_ARG_SCALE, wrap(m_slope, m_channel)},
             {DNNL_ARG_SHIFT, wrap(m_offset, m_channel)}},
            m_affine.scratchpad_desc(), io);
    const dnnl::memory dx = io.inputGrads[0];
    const dnnl::binary::primitive_desc add(
        {dnnl::algorithm::binary_add, dx.get_desc(), term.get_desc(), dx.get_desc()}, cpuEngine());
    m_correct.emplace_back(dnnl::binary(add),
                           std::unordered_map<int, dnnl::memory>{
                               {DNNL_ARG_SRC_0, dx}, {DNNL_ARG_SRC_1, term}, {DNNL_ARG_DST, dx}});
  }

  void forward(dnnl::stream& stream) override {
    run(m_forward, stream);
    if (!m_training) return;
    stream.wait();
    const float *mean = m_batchMean.data<float>(), *var = m_batchVar.data<float>();
    int64_t count = m_perChannel;
    if (m_ranks) {
      combineRanks();
      run(m_normalise, stream);
      stream.wait();
      mean = m_jobMean.data<float>(), var = m_jobVar.data<float>();
      count = m_jobCount;
    }
    const float m = m_momentum;
    const float unbias = count > 1 ? static_cast<float>(count) / (count - 1) : 1.0f;
    float *rm = m_runningMean.data<float>(), *rv = m_runningVar.data<float>();
    for (int64_t c = 0; c < m_runningMean.numel(); ++c) {
      rm[c] = (1 - m) * rm[c] + m * mean[c];
      rv[c] = (1 - m) * rv[c] + m * var[c] * unbias;
    }
  }

  // Backward normalises its input again (from the batch's statistics); the output is not read.
  bool backwardReadsOutput() const override { return false; }

  void backward(dnnl::stream& stream) override {
    run(m_backward, stream);
    if (!m_ranks || m_dgamma.empty()) return;  // empty: no gradient reaches this layer
    stream.wait();
    // Every rank's sums of dy and dy * x_hat, added in rank order so every rank has the same bits.
    const int64_t channels = m_channel.dims()[0];
    std::copy_n(m_dbeta.data<float>(), channels, m_mine.begin());
    std::copy_n(m_dgamma.data<float>(), channels, m_mine.begin() + channels);
    const float* all = gather(2 * static_cast<size_t>(channels));
    if (m_correct.empty()) return;
    const float *gamma = m_scale.data<float>(), *mean = m_jobMean.data<float>(),
                *var = m_jobVar.data<float>();
    float *slope = m_slope.data<float>(), *offset = m_offset.data<float>();
    for (int64_t c = 0; c < channels; ++c) {
      double sumDy = 0, sumDyXhat = 0;
      for (int r = 0; r < m_ranks->size(); ++r) {
        sumDy += all[static_cast<size_t>(r * 2 * channels + c)];
        sumDyXhat += all[static_cast<size_t>(r * 2 * channels + channels + c)];
      }
      const double sigma = std::sqrt(double(var[c]) + m_eps);
      const double k = gamma[c] / sigma, n = static_cast<double>(m_jobCount);
      slope[c] = static_cast<float>(-k * sumDyXhat / (n * sigma));
      offset[c] = static_cast<float>(-k * sumDy / n - slope[c] * double(mean[c]));
    }
    run(m_correct, stream);
  }

 private:
  static dnnl::batch_normalization_forward::primitive_desc inference(
      const dnnl::memory::desc& src, float eps) {
    return dnnl::batch_normalization_forward::primitive_desc(
        {dnnl::prop_kind::forward_inference, src, eps,
         flags::use_scale | flags::use_shift | flags::use_global_stats},
        attributes(), cpuEngine());
  }

  void addForward(Steps& steps, const dnnl::batch_normalization_forward::primitive_desc& pd,
                  const KernelIO& io, const dnnl::memory& mean, const dnnl::memory& var,
                  const dnnl::memory& scale, const dnnl::memory& shift) {
    std::unordered_map<int, dnnl::memory> args{
        {DNNL_ARG_SRC, io.inputs[0]}, {DNNL_ARG_DST, io.output}, {DNNL_ARG_SCALE, scale},
        {DNNL_ARG_SHIFT, shift},      {DNNL_ARG_MEAN, mean},     {DNNL_ARG_VARIANCE, var}};
    if (pd.workspace_desc().get_size() > 0)
      args[DNNL_ARG_WORKSPACE] = dnnl::memory(pd.workspace_desc(), cpuEngine());
    addStep(steps, dnnl::batch_normalization_forward(pd), args, pd.scratchpad_desc(), io);
  }

  void addBackward(const dnnl::batch_normalization_backward::primitive_desc& pd,
                   const KernelIO& io, const dnnl::memory& mean, const dnnl::memory& var,
                   const dnnl::memory& scale, const dnnl::memory& shift) {
    // oneDNN's backward always computes diff_src; without a consumer it goes to a scratch buffer.
    const dnnl::memory diffSrc =
        io.inputGrads[0] ? io.inputGrads[0] : dnnl::memory(io.inputs[0].get_desc(), cpuEngine());
    addStep(m_backward, dnnl::batch_normalization_backward(pd),
            {{DNNL_ARG_SRC, io.inputs[0]},
             {DNNL_ARG_MEAN, mean},
             {DNNL_ARG_VARIANCE, var},
             {DNNL_ARG_DIFF_DST, io.outputGrad},
             {DNNL_ARG_SCALE, scale},
             {DNNL_ARG_SHIFT, shift},  // unused by the math, but oneDNN 2.6 insists
             {DNNL_ARG_DIFF_SRC, diffSrc},
             {DNNL_ARG_DIFF_SCALE, wrap(m_dgamma, m_channel)},
             {DNNL_ARG_DIFF_SHIFT, wrap(m_dbeta, m_channel)}},
            pd.scratchpad_desc(), io);
  }

  // Every rank's first `count` floats of m_mine, in rank order (`count` apart).
  const float* gather(size_t count) {
    m_ranks->allGather(m_mine.data(), count * sizeof(float), m_gathered.data());
    return m_gathered.data();
  }

  // The job's count, mean and (biased) variance per channel from every rank's own: each rank's
  // squared distance to the job's mean adds to the spread.
  void combineRanks() {
    const int64_t channels = m_channel.dims()[0];
    m_mine[0] = static_cast<float>(m_perChannel);
    std::copy_n(m_batchMean.data<float>(), channels, m_mine.begin() + 1);
    std::copy_n(m_batchVar.data<float>(), channels, m_mine.begin() + 1 + channels);
    const size_t stride = m_mine.size();
    const float* all = gather(stride);
    double total = 0;
    for (int r = 0; r < m_ranks->size(); ++r) total += all[r * stride];
    m_jobCount = static_cast<int64_t>(total);
    float *mean = m_jobMean.data<float>(), *var = m_jobVar.data<float>();
    for (int64_t c = 0; c < channels; ++c) {
      double m = 0;
      for (int r = 0; r < m_ranks->size(); ++r) m += all[r * stride] * double(all[r * stride + 1 + c]);
      m /= total;
      double spread = 0;
      for (int r = 0; r < m_ranks->size(); ++r) {
        const double rankMean = all[r * stride + 1 + c], rankVar = all[r * stride + 1 + channels + c];
        spread += all[r * stride] * (rankVar + (rankMean - m) * (rankMean - m));
      }
      mean[c] = static_cast<float>(m);
      var[c] = static_cast<float>(spread / total);
    }
  }

  bool m_training = false;
  float m_eps = 1e-5f, m_momentum = 0.1f;
  int64_t m_perChannel = 1, m_jobCount = 1;
  dnnl::memory::desc m_channel;
  Tensor m_runningMean, m_runningVar, m_batchMean, m_batchVar;
  dnnl::batch_normalization_forward::primitive_desc m_fwd;
  dnnl::batch_normalization_backward::primitive_desc m_bwd;
  // Synchronized only.
  dnnl::batch_normalization_forward::primitive_desc m_fwdGlobal, m_affine;
  dnnl::batch_normalization_backward::primitive_desc m_bwdGlobal;
  RankCollective* m_ranks = nullptr;
  Tensor m_scale, m_dgamma, m_dbeta, m_jobMean, m_jobVar;
  Tensor m_slope, m_offset, m_zeroMean, m_unitVar;  // of the correction term
  std::vector<float> m_mine, m_gathered;            // what the gathers send and receive
  Steps m_normalise, m_correct;
};
}  // namespace

const CpuKernelRegistration kBatchNorm{{"BatchNorm2d"}, makeKernel<CpuBatchNorm>};

}  // namespace twb
