#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace twb {

// The layers a job's "freeze" holds still while the rest trains (fine-tuning a model's head, or
// every layer but its last blocks): each entry names a node or a block of `spec`, or is a pattern
// of their names with * and ? ("layer1*", "features.?"). Returns the nodes with trainable
// parameters that the entries name, in graph order. Throws twb::Error at "freeze[i]" for an
// entry that names no node or block with parameters (with the nearest name), and at "freeze"
// when nothing would be left to train.
std::vector<std::string> frozenLayers(const ModelSpec& spec, const Graph& graph,
                                      const std::vector<std::string>& entries);

}  // namespace twb
