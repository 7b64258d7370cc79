#pragma once

#include <algorithm>
#include <functional>
#include <numeric>
#include <string>
#include <vector>

#include "backend/cuda/cuda_nodes.h"
#include "backend/cuda/index_ops.h"
#include "backend/cuda/memory_plan.h"
#include "core/error.h"

// What the tensor nodes' files (tensor_nodes.cpp, broadcast_nodes.cpp, piece_nodes.cpp) share:
// shapes as strides, and broadcasting.
namespace twb::gpu {

inline std::vector<int64_t> rowMajorStrides(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t k = shape.size(); k-- > 1;) strides[k - 1] = strides[k] * shape[k];
  return strides;
}

inline int64_t productOf(Shape::const_iterator begin, Shape::const_iterator end) {
  return std::accumulate(begin, end, int64_t(1), std::multiplies<int64_t>());
}

inline void requireRankAtMost(const Shape& shape) {
  if (shape.size() > static_cast<size_t>(kMaxRank))
    throw Error("a value of rank " + std::to_string(shape.size()) + " (" + shapeText(shape) +
                "); this backend's kernels take at most " + std::to_string(kMaxRank));
}

// A map of `large` onto `small`, whose dimensions are those of `large` or 1, aligned at the
// end (missing leading ones are 1).
BroadcastMap broadcastMap(const Shape& large, const Shape& small);

}  // namespace twb::gpu
