#pragma once

#include <utility>
#include <vector>

#include "graph/graph.h"

namespace twb {

// The values that get a gradient buffer, per value index: those downstream of a trainable
// parameter (or of an f32 input, when `inputGradients`) and upstream of an output. None when
// not training. Every backend allocates gradients for these.
std::vector<bool> gradientValues(const Graph& graph, bool training, bool inputGradients);

// The (node, input) reads of a value that take a share of its gradient, in node order.
std::vector<std::pair<int, size_t>> gradientReaders(const Graph& graph, int value);

}  // namespace twb
