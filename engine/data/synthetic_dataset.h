#pragma once

#include "data/dataset.h"

namespace twb {

// Random samples of any shape, generated from (seed, index) on every read so they cost no
// memory: normal noise, or with `vocabulary` > 0 token ids below it (whole numbers, as a text
// model's Embedding reads them). Labels are the argmax of a fixed random projection of the first
// features (of a fixed random weight per token and position for ids), the same rule for every
// seed, so a model can learn them and its training and test curves mean something.
class SyntheticDataset : public Dataset {
 public:
  SyntheticDataset(Shape sampleShape, int64_t classes, int64_t size, uint64_t seed,
                   int64_t vocabulary = 0);

  std::string name() const override;
  int64_t size() const override { return m_size; }
  Shape sampleShape() const override { return m_shape; }
  int64_t classes() const override { return m_classes; }
  int32_t read(int64_t index, float* out) const override;

 private:
  // A token's fixed random weight towards a class.
  float tokenWeight(int64_t label, float token) const;

  Shape m_shape;
  int64_t m_classes, m_size, m_vocabulary;
  uint64_t m_seed;
  std::vector<float> m_projection;  // (classes, projected features)
};

}  // namespace twb
