#include "core/error.h"
#include "data/dataset.h"

namespace twb {

InMemoryDataset::InMemoryDataset(std::string name, Shape sampleShape, int64_t classes,
                                 std::vector<uint8_t> pixels, std::vector<int32_t> labels,
                                 Normalization normalization)
    : m_name(std::move(name)),
      m_shape(std::move(sampleShape)),
      m_classes(classes),
      m_pixels(std::move(pixels)),
      m_labels(std::move(labels)),
      m_normalization(std::move(normalization)) {}

InMemoryDataset::InMemoryDataset(std::string name, Shape sampleShape, int64_t classes,
                                 std::vector<float> values, std::vector<int32_t> labels)
    : m_name(std::move(name)),
      m_shape(std::move(sampleShape)),
      m_classes(classes),
      m_values(std::move(values)),
      m_labels(std::move(labels)) {}

int64_t InMemoryDataset::heldBytes() const {
  return static_cast<int64_t>(m_pixels.size() + sizeof(float) * m_values.size() +
                              sizeof(int32_t) * m_labels.size());
}

int32_t InMemoryDataset::read(int64_t index, float* out) const {
  const int64_t n = numel(m_shape);
  if (!m_pixels.empty()) {
    const uint8_t* p = m_pixels.data() + index * n;
    for (int64_t i = 0; i < n; ++i) out[i] = p[i] * (1.0f / 255.0f);
  } else {
    const float* v = m_values.data() + index * n;
    for (int64_t i = 0; i < n; ++i) out[i] = v[i];
  }
  return m_labels[index];
}

}  // namespace twb
