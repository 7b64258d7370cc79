#include "data/synthetic_dataset.h"

#include "core/random.h"

namespace twb {

namespace {
constexpr int64_t kProjected = 64;  // features that decide the label
}

SyntheticDataset::SyntheticDataset(Shape sampleShape, int64_t classes, int64_t size, uint64_t seed)
    : m_shape(std::move(sampleShape)), m_classes(classes), m_size(size), m_seed(seed) {
  Random random(mixSeed(seed, 0x5eed));
  m_projection.resize(static_cast<size_t>(classes * std::min(kProjected, numel(m_shape))));
  for (auto& w : m_projection) w = random.normal();
}

std::string SyntheticDataset::name() const {
  std::string shape;
  for (size_t i = 0; i < m_shape.size(); ++i) {
    if (i) shape += 'x';
    shape += std::to_string(m_shape[i]);
  }
  return "synthetic:" + shape + ":" + std::to_string(m_classes);
}

int32_t SyntheticDataset::read(int64_t index, float* out) const {
  Random random(mixSeed(m_seed, static_cast<uint64_t>(index) + 1));
  const int64_t n = numel(m_shape), k = std::min(kProjected, n);
  for (int64_t i = 0; i < n; ++i) out[i] = random.normal();
  int32_t best = 0;
  float bestScore = -1e30f;
  for (int64_t c = 0; c < m_classes; ++c) {
    float score = 0;
    for (int64_t i = 0; i < k; ++i) score += m_projection[c * k + i] * out[i];
    if (score > bestScore) bestScore = score, best = static_cast<int32_t>(c);
  }
  return best;
}

}  // namespace twb
