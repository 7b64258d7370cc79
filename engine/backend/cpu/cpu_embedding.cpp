#include <cmath>
#include <cstring>

#include "backend/cpu/cpu_kernel.h"
#include "backend/token_id_error.h"

namespace twb {

namespace {
// Embedding as row copies (oneDNN 2.6 has no gather primitive); backward adds each dy row into
// its token's weight-gradient row. An id that is not an integer within the table stops the step
// with an error naming the node, the sample, the position and the id.
class CpuEmbedding : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool) override {
    m_node = node.name;
    m_rows = node.op->attrs().integer("num_embeddings");
    m_width = node.op->attrs().integer("embedding_dim");
    m_idShape = shapeOf(in[0]);
    m_ids = plainDesc(m_idShape);
    m_count = numel(m_idShape);
    return plainDesc(node.op->outputShape({m_idShape}));
  }

  void bind(const KernelIO& io) override {
    m_idValues = inLayout(m_forward, io.inputs[0], m_ids);
    m_output = io.output;
    m_weight = io.params[0];
    if (io.outputGrad && !io.paramGrads[0].empty()) {  // not frozen
      m_outputGrad = io.outputGrad;
      m_weightGrad = io.paramGrads[0];
    }
  }

  void forward(dnnl::stream& stream) override {
    CpuKernel::forward(stream);  // the ids into the plain layout, when they are not
    const auto* ids = static_cast<const float*>(m_idValues.get_data_handle());
    auto* out = static_cast<float*>(m_output.get_data_handle());
    const float* table = m_weight.data<float>();
    for (int64_t i = 0; i < m_count; ++i)
      std::memcpy(out + i * m_width, table + row(ids, i) * m_width, m_width * sizeof(float));
  }

  void backward(dnnl::stream&) override {
    if (!m_outputGrad) return;
    const auto* ids = static_cast<const float*>(m_idValues.get_data_handle());
    const auto* dy = static_cast<const float*>(m_outputGrad.get_data_handle());
    float* grad = m_weightGrad.data<float>();
    std::memset(grad, 0, m_weightGrad.bytes());
    for (int64_t i = 0; i < m_count; ++i) {
      float* target = grad + row(ids, i) * m_width;
      for (int64_t k = 0; k < m_width; ++k) target[k] += dy[i * m_width + k];
    }
  }

 private:
  int64_t row(const float* ids, int64_t i) const {
    const float id = ids[i];
    if (!(id >= 0 && id < static_cast<float>(m_rows)) || id != std::floor(id))
      throw badTokenId(m_node, id, i, m_idShape, m_rows);
    return static_cast<int64_t>(id);
  }

  std::string m_node;
  int64_t m_rows = 0, m_width = 0, m_count = 0;
  Shape m_idShape;
  dnnl::memory::desc m_ids;
  dnnl::memory m_idValues, m_output, m_outputGrad;
  Tensor m_weight, m_weightGrad;
};
}  // namespace

const CpuKernelRegistration kEmbedding{{"Embedding"}, makeKernel<CpuEmbedding>};

}  // namespace twb
