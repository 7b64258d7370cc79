#include <cstring>

#include "backend/cpu/cpu_kernel.h"

namespace twb {

namespace {
// PrependTokens as copies in f32: each sample's row of the output is the tokens, then the
// sample's input. Backward sums the first `count` tokens' gradient over the batch into the
// parameter's and hands the rest to the input.
class CpuPrependTokens : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    const Shape x = shapeOf(in[0]);
    m_x = plainDesc(x);
    m_batch = x[0];
    m_inputRow = numel(x) / x[0];
    m_tokenRow = node.op->attrs().integer("count") * (m_inputRow / x[1]);
    return plainDesc(node.op->outputShape({x}));
  }

  void bind(const KernelIO& io) override {
    m_input = inLayout(m_forward, io.inputs[0], m_x);
    m_output = io.output;
    m_tokens = io.params[0];
    if (!io.outputGrad) return;
    m_outputGrad = io.outputGrad;
    if (!io.paramGrads.empty()) m_tokensGrad = io.paramGrads[0];
    if (io.inputGrads[0]) {
      m_inputGrad = writeBuffer(io.inputGrads[0], m_x);
      finishInto(m_backward, m_inputGrad, io.inputGrads[0]);
    }
  }

  void forward(dnnl::stream& stream) override {
    CpuKernel::forward(stream);  // the input into the plain f32 layout, when it is not
    const auto* x = static_cast<const float*>(m_input.get_data_handle());
    auto* y = static_cast<float*>(m_output.get_data_handle());
    const int64_t outputRow = m_tokenRow + m_inputRow;
    for (int64_t n = 0; n < m_batch; ++n) {
      std::memcpy(y + n * outputRow, m_tokens.data<float>(), m_tokenRow * sizeof(float));
      std::memcpy(y + n * outputRow + m_tokenRow, x + n * m_inputRow, m_inputRow * sizeof(float));
    }
  }

  void backward(dnnl::stream& stream) override {
    if (!m_outputGrad) return;
    const auto* dy = static_cast<const float*>(m_outputGrad.get_data_handle());
    const int64_t outputRow = m_tokenRow + m_inputRow;
    if (!m_tokensGrad.empty()) {
      float* grad = m_tokensGrad.data<float>();
      std::memset(grad, 0, m_tokenRow * sizeof(float));
      for (int64_t n = 0; n < m_batch; ++n)
        for (int64_t i = 0; i < m_tokenRow; ++i) grad[i] += dy[n * outputRow + i];
    }
    if (!m_inputGrad) return;
    auto* dx = static_cast<float*>(m_inputGrad.get_data_handle());
    for (int64_t n = 0; n < m_batch; ++n)
      std::memcpy(dx + n * m_inputRow, dy + n * outputRow + m_tokenRow, m_inputRow * sizeof(float));
    CpuKernel::backward(stream);  // into the input gradient's layout, when it is not plain f32
  }

 private:
  dnnl::memory::desc m_x;
  int64_t m_batch = 0, m_inputRow = 0, m_tokenRow = 0;
  dnnl::memory m_input, m_output, m_outputGrad, m_inputGrad;
  Tensor m_tokens, m_tokensGrad;
};
}  // namespace

const CpuKernelRegistration kPrependTokens{{"PrependTokens"}, makeKernel<CpuPrependTokens>};

}  // namespace twb
