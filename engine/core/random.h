#pragma once

#include <cstdint>

namespace twb {

// A small, fast generator (splitmix64 seeding a xoshiro256**) whose sequence is the same on every
// platform and library version, so a seed fixes initial weights, data order and dropout masks.
class Random {
 public:
  explicit Random(uint64_t seed);

  uint64_t next();
  float uniform(float low, float high);  // [low, high)
  float normal();                        // mean 0, standard deviation 1
  uint64_t below(uint64_t bound);        // [0, bound), unbiased

 private:
  uint64_t m_state[4];
};

// Mixes several integers into one well-spread seed (seed, epoch, step, ...).
uint64_t mixSeed(uint64_t a, uint64_t b, uint64_t c = 0);

}  // namespace twb
