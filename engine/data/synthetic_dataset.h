#pragma once

#include "data/dataset.h"

namespace twb {

// Random normal samples of any shape, generated from (seed, index) on every read so they cost
// no memory. Labels are the argmax of a fixed random projection of the first features, so a
// model can learn them and a training curve means something.
class SyntheticDataset : public Dataset {
 public:
  SyntheticDataset(Shape sampleShape, int64_t classes, int64_t size, uint64_t seed);

  std::string name() const override;
  int64_t size() const override { return m_size; }
  Shape sampleShape() const override { return m_shape; }
  int64_t classes() const override { return m_classes; }
  int32_t read(int64_t index, float* out) const override;

 private:
  Shape m_shape;
  int64_t m_classes, m_size;
  uint64_t m_seed;
  std::vector<float> m_projection;  // (classes, projected features)
};

}  // namespace twb
