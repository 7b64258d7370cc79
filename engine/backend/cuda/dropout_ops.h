#pragma once

#include <cstdint>

#include "backend/cuda/bf16_convert.h"
#include "backend/cuda/cuda_kernels.h"

// Dropout as the CUDA backend computes it, one item per element (item_kernels.h). Its masks are
// not stored: forward and backward draw each element's from a counter-based hash of the step's
// seed (read from the device, so a replayed CUDA graph draws each step's own), the node and the
// element, the same bits in every replay and after a resume. They are not the CPU backend's
// masks (that one draws a sequence): the two agree in distribution, not element by element.
namespace twb::gpu {

// Uniform in [0, 1), 24 bits: splitmix64's finalizer over the three.
TWB_HOST_DEVICE inline float uniformDraw(uint64_t seed, uint64_t node, uint64_t element) {
  uint64_t z = seed ^ (node + 1) * 0x9E3779B97F4A7C15ull ^ (element + 1) * 0xD1B54A32D192ED03ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  z ^= z >> 31;
  return static_cast<float>(z >> 40) * (1.f / 16777216.f);
}

// Training: y = x / (1 - p) where the draw is >= p, else 0 (the CPU backend's rule); backward,
// dx (+)= dy the same way.
template <typename T>
struct DropoutItems {
  const T* from;
  T* to;
  const StepScalars* scalars;
  uint64_t node = 0;
  float p = 0.5f;
  bool accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t i) const {
    const bool kept = uniformDraw(scalars->seed, node, static_cast<uint64_t>(i)) >= p;
    const float v = kept ? toFloat(from[i]) / (1.f - p) : 0.f;
    to[i] = fromFloat<T>(accumulate ? toFloat(to[i]) + v : v);
  }
};

}  // namespace twb::gpu
