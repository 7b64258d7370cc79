#pragma once

#include <cstddef>
#include <vector>

namespace twb {

// A buffer that is in use from step `first` to step `last` of a schedule, both included.
struct BufferLife {
  size_t bytes = 0;
  int first = 0, last = 0;
};

// Offsets in one arena for buffers whose lives are known ahead, so that buffers never in use at
// the same step share bytes (a training step's values and gradients: each lives from the node
// that writes it to the last that reads it, exec/step_arena.h).
struct ArenaPlan {
  std::vector<size_t> offsets;  // per buffer, each a multiple of the alignment
  size_t bytes = 0;             // the arena's size
};

// Greedy by size, as TensorFlow Lite's arena planner: the largest buffer first, each at the
// lowest offset where it overlaps no placed buffer whose life meets its own.
ArenaPlan planArena(const std::vector<BufferLife>& buffers, size_t alignment = 64);

}  // namespace twb
