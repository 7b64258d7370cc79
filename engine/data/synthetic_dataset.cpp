#include "data/synthetic_dataset.h"

#include "core/random.h"

namespace twb {

namespace {
constexpr int64_t kProjected = 64;  // features that decide the label
// The labelling rule's seed: one for every split, so that the test split is labelled as the
// training split is (each split's seed draws its samples).
constexpr uint64_t kLabelling = 0x5eed;
}  // namespace

SyntheticDataset::SyntheticDataset(Shape sampleShape, int64_t classes, int64_t size, uint64_t seed,
                                   int64_t vocabulary)
    : m_shape(std::move(sampleShape)),
      m_classes(classes),
      m_size(size),
      m_vocabulary(vocabulary),
      m_seed(seed) {
  Random random(mixSeed(kLabelling, 0));
  m_projection.resize(static_cast<size_t>(classes * std::min(kProjected, numel(m_shape))));
  for (auto& w : m_projection) w = random.normal();
}

std::string SyntheticDataset::name() const {
  std::string shape;
  for (size_t i = 0; i < m_shape.size(); ++i) {
    if (i) shape += 'x';
    shape += std::to_string(m_shape[i]);
  }
  return "synthetic:" + shape + ":" + std::to_string(m_classes) +
         (m_vocabulary > 0 ? ":ids=" + std::to_string(m_vocabulary) : "");
}

float SyntheticDataset::tokenWeight(int64_t label, float token) const {
  // Drawn from (seed, class, token) when asked: a table of every token would be vocabulary x
  // classes floats.
  Random random(mixSeed(
      kLabelling, 1, static_cast<uint64_t>(label * m_vocabulary) + static_cast<uint64_t>(token)));
  return random.normal();
}

int32_t SyntheticDataset::read(int64_t index, float* out) const {
  Random random(mixSeed(m_seed, static_cast<uint64_t>(index) + 1));
  const int64_t n = numel(m_shape), k = std::min(kProjected, n);
  for (int64_t i = 0; i < n; ++i)
    out[i] = m_vocabulary > 0
                 ? static_cast<float>(random.below(static_cast<uint64_t>(m_vocabulary)))
                 : random.normal();
  int32_t best = 0;
  float bestScore = -1e30f;
  for (int64_t c = 0; c < m_classes; ++c) {
    float score = 0;
    for (int64_t i = 0; i < k; ++i)
      score += m_projection[c * k + i] * (m_vocabulary > 0 ? tokenWeight(c, out[i]) : out[i]);
    if (score > bestScore) bestScore = score, best = static_cast<int32_t>(c);
  }
  return best;
}

}  // namespace twb
