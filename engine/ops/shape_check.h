#pragma once

#include <string>
#include <vector>

#include "core/error.h"
#include "core/shape.h"

namespace twb {

// Shape-rule helpers shared by the op files; each throws a twb::Error saying what was expected.
inline void requireRank(const Shape& s, size_t rank, const char* what) {
  if (s.size() != rank)
    throw Error(std::string("expects a ") + std::to_string(rank) + "-D " + what + ", got " +
                toString(s));
}

// Output length of a sliding window: floor((in + 2*pad - dilation*(k-1) - 1) / stride) + 1.
inline int64_t windowOutput(int64_t in, int64_t k, int64_t stride, int64_t pad, int64_t dilation,
                            const char* axis) {
  const int64_t span = dilation * (k - 1) + 1;
  if (in + 2 * pad < span)
    throw Error(std::string("window of ") + std::to_string(span) + " does not fit the " + axis +
                " of " + std::to_string(in) + " (padding " + std::to_string(pad) + ")");
  return (in + 2 * pad - span) / stride + 1;
}

inline void requirePositive(const std::vector<int64_t>& values, const char* attr) {
  for (int64_t v : values)
    if (v <= 0) throw Error(std::string("attribute ") + attr + " must be > 0");
}

}  // namespace twb
