#pragma once

#include <vector>

#include "graph/graph.h"

namespace twb {

// The values that get a gradient buffer, per value index: those downstream of a trainable
// parameter (or of an f32 input, when `inputGradients`) and upstream of an output. None when
// not training. Every backend allocates gradients for these.
std::vector<bool> gradientValues(const Graph& graph, bool training, bool inputGradients);

}  // namespace twb
