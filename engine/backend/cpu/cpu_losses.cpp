#include <cmath>

#include "backend/cpu/cpu_kernel.h"
#include "core/error.h"

namespace twb {

namespace {
// SoftmaxCrossEntropy: log-softmax on oneDNN, then the loss in fp32.
//   forward:  loss = -1/N sum_n logp[n, label[n]]
//   backward: dlogits[n, c] = g/N (exp(logp[n, c]) - [c == label[n]])
class CpuSoftmaxCrossEntropy : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    m_node = node.name;
    m_logits = plainDesc({in[0].dims()[0], in[0].dims()[1]});
    m_fwd = dnnl::logsoftmax_forward::primitive_desc(
        {dnnl::prop_kind::forward_inference, m_logits, 1}, attributes(), cpuEngine());
    noteScratchpad(m_fwd.scratchpad_desc());
    return plainDesc({1});
  }

  void bind(const KernelIO& io) override {
    m_io = io;
    m_logp = Tensor({m_logits.dims()[0], m_logits.dims()[1]}, DType::f32);
    const dnnl::memory logits = inLayout(m_forward, io.inputs[0], m_logits);
    addStep(m_forward, dnnl::logsoftmax_forward(m_fwd),
            {{DNNL_ARG_SRC, logits}, {DNNL_ARG_DST, wrap(m_logp, m_logits)}},
            m_fwd.scratchpad_desc(), io);
    if (!io.inputGrads[0]) return;
    m_gradPlain = writeBuffer(io.inputGrads[0], m_logits);
    finishInto(m_backward, m_gradPlain, io.inputGrads[0]);
  }

  void forward(dnnl::stream& stream) override {
    run(m_forward, stream);
    const int64_t n = m_logp.shape()[0], c = m_logp.shape()[1];
    const float* logp = m_logp.data<float>();
    const auto* label = static_cast<const int32_t*>(m_io.inputs[1].get_data_handle());
    double sum = 0;
    for (int64_t i = 0; i < n; ++i) {
      if (label[i] < 0 || label[i] >= c)
        throw Error("node '" + m_node + "': label " + std::to_string(label[i]) + " of sample " +
                    std::to_string(i) + " is outside [0, " + std::to_string(c) + ")");
      sum -= logp[i * c + label[i]];
    }
    *static_cast<float*>(m_io.output.get_data_handle()) = static_cast<float>(sum / n);
  }

  void backward(dnnl::stream& stream) override {
    if (!m_io.inputGrads[0]) return;
    const int64_t n = m_logp.shape()[0], c = m_logp.shape()[1];
    const float g = *static_cast<const float*>(m_io.outputGrad.get_data_handle()) / n;
    const float* logp = m_logp.data<float>();
    const auto* label = static_cast<const int32_t*>(m_io.inputs[1].get_data_handle());
    auto* dx = static_cast<float*>(m_gradPlain.get_data_handle());
    for (int64_t i = 0; i < n; ++i)
      for (int64_t j = 0; j < c; ++j)
        dx[i * c + j] = g * (std::exp(logp[i * c + j]) - (j == label[i] ? 1.f : 0.f));
    run(m_backward, stream);
  }

 private:
  std::string m_node;
  dnnl::memory::desc m_logits;
  dnnl::logsoftmax_forward::primitive_desc m_fwd;
  KernelIO m_io;
  Tensor m_logp;
  dnnl::memory m_gradPlain;
};

// MSE: mean of (prediction - target)^2 over all elements, in fp32 on plain buffers.
//   backward: dprediction = g * 2 (prediction - target) / count
class CpuMse : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode&, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    const auto dims = in[0].dims();
    m_plain = plainDesc(Shape(dims.begin(), dims.end()));
    return plainDesc({1});
  }

  void bind(const KernelIO& io) override {
    m_io = io;
    m_prediction = inLayout(m_forward, io.inputs[0], m_plain);
    m_target = inLayout(m_forward, io.inputs[1], m_plain);
    if (io.inputGrads[0]) {
      m_gradPlain = writeBuffer(io.inputGrads[0], m_plain);
      finishInto(m_backward, m_gradPlain, io.inputGrads[0]);
    }
    m_count = static_cast<int64_t>(m_plain.get_size() / sizeof(float));
  }

  void forward(dnnl::stream& stream) override {
    run(m_forward, stream);
    const auto *p = static_cast<const float*>(m_prediction.get_data_handle()),
               *t = static_cast<const float*>(m_target.get_data_handle());
    double sum = 0;
    for (int64_t i = 0; i < m_count; ++i) sum += double(p[i] - t[i]) * (p[i] - t[i]);
    *static_cast<float*>(m_io.output.get_data_handle()) = static_cast<float>(sum / m_count);
  }

  void backward(dnnl::stream& stream) override {
    if (!m_io.inputGrads[0]) return;
    const float g = *static_cast<const float*>(m_io.outputGrad.get_data_handle()) * 2.f / m_count;
    const auto *p = static_cast<const float*>(m_prediction.get_data_handle()),
               *t = static_cast<const float*>(m_target.get_data_handle());
    auto* dx = static_cast<float*>(m_gradPlain.get_data_handle());
    for (int64_t i = 0; i < m_count; ++i) dx[i] = g * (p[i] - t[i]);
    run(m_backward, stream);
  }

 private:
  dnnl::memory::desc m_plain;
  KernelIO m_io;
  dnnl::memory m_prediction, m_target, m_gradPlain;
  int64_t m_count = 0;
};
}  // namespace

const CpuKernelRegistration kSoftmaxCrossEntropy{{"SoftmaxCrossEntropy"}, makeKernel<CpuSoftmaxCrossEntropy>};
const CpuKernelRegistration kMse{{"MSE"}, makeKernel<CpuMse>};

}  // namespace twb
