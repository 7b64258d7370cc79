#include "backend/cpu/cpu_kernel.h"
#include "core/bfloat16.h"
#include "core/random.h"

namespace twb {

namespace {
// FNV-1a: a stable number per node name, so two dropout nodes draw different masks.
uint64_t nameHash(const std::string& name) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ULL;
  return h;
}

// Dropout: the mask is drawn from (step seed, node), so a resumed run draws the same masks.
// Works on the physical buffer, which input and output share the layout of.
class CpuDropout : public CpuKernel {
 public:
  dnnl::memory::desc prepare(const GraphNode& node, const std::vector<dnnl::memory::desc>& in,
                             bool training) override {
    m_p = static_cast<float>(node.op->attrs().number("p"));
    m_node = nameHash(node.name);
    m_training = training;
    return in[0];
  }

  void bind(const KernelIO& io) override {
    m_io = io;
    m_count = static_cast<int64_t>(io.inputs[0].get_desc().get_size() / dtypeSize(m_compute));
    if (m_training) m_mask = Tensor({m_count}, DType::f32);
    else addReorder(m_forward, io.inputs[0], io.output);
  }

  void forward(dnnl::stream& stream) override {
    if (!m_training) return run(m_forward, stream);
    Random random(mixSeed(*m_io.randomSeed, m_node));
    const float keep = 1.0f / (1.0f - m_p);
    float* mask = m_mask.data<float>();
    for (int64_t i = 0; i < m_count; ++i) mask[i] = random.uniform(0.f, 1.f) < m_p ? 0.f : keep;
    scale(m_io.inputs[0].get_data_handle(), m_io.output.get_data_handle());
  }

  void backward(dnnl::stream&) override {
    if (m_io.inputGrads[0])
      scale(m_io.outputGrad.get_data_handle(), m_io.inputGrads[0].get_data_handle());
  }

 private:
  // to = from * mask, elementwise over the physical buffers (f32 or bf16).
  void scale(const void* from, void* to) const {
    const float* mask = m_mask.data<float>();
    if (m_compute == DType::bf16) {
      const auto* x = static_cast<const uint16_t*>(from);
      auto* y = static_cast<uint16_t*>(to);
      for (int64_t i = 0; i < m_count; ++i) y[i] = floatToBf16(bf16ToFloat(x[i]) * mask[i]);
    } else {
      const auto* x = static_cast<const float*>(from);
      auto* y = static_cast<float*>(to);
      for (int64_t i = 0; i < m_count; ++i) y[i] = x[i] * mask[i];
    }
  }

  float m_p = 0.5f;
  uint64_t m_node = 0;
  bool m_training = false;
  int64_t m_count = 0;
  KernelIO m_io;
  Tensor m_mask;
};
}  // namespace

const CpuKernelRegistration kDropout{{"Dropout"}, makeKernel<CpuDropout>};

}  // namespace twb
