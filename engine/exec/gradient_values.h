#pragma once

#include <utility>
#include <vector>

#include "graph/graph.h"

namespace twb {

// The values that get a gradient buffer, per value index: those downstream of a trainable
// parameter (or of an f32 input, when `inputGradients`) and upstream of an output. None when
// not training. Every backend allocates gradients for these.
std::vector<bool> gradientValues(const Graph& graph, bool training, bool inputGradients);

// The floating-point operations of one training step of `graph`: each node's forward, and in
// backward its forward's again for each of its weights' gradient and its inputs' where they are
// computed (as Executor::flopsPerStep counts them): nothing before the first layer that trains.
double trainingStepFlops(const Graph& graph);

// The (node, input) reads of a value that take a share of its gradient, in node order.
std::vector<std::pair<int, size_t>> gradientReaders(const Graph& graph, int value);

}  // namespace twb
