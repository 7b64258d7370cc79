#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace twb {

// Where a training step keeps its gradients. Backward runs the nodes in reverse, and a value's
// gradient is in use only from the node that writes it (its reader) to the node that reads it
// (its producer), so gradients share one arena (exec/arena_plan.h): a step holds a few layers'
// gradients at a time rather than one per value. A gradient keeps a buffer of its own where it
// is read or set between steps (the graph's inputs and outputs) and where no kernel writes it
// (a share whose reader's output has no gradient), since it must stay zero.
struct GradientPlacement {
  static constexpr size_t kOwnBuffer = SIZE_MAX;
  std::vector<size_t> gradOffset;                 // per value, or kOwnBuffer
  std::vector<std::vector<size_t>> shareOffsets;  // per value read by several nodes: per reader
  size_t arenaBytes = 0;
};

// `needsGrad` per value (exec/gradient_values.h); `bytes` per value, its gradient's size.
GradientPlacement placeGradients(const Graph& graph, const std::vector<bool>& needsGrad,
                                 const std::vector<size_t>& bytes);

}  // namespace twb
