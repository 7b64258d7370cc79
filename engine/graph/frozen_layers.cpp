#include "graph/frozen_layers.h"

#include <fnmatch.h>

#include <algorithm>
#include <map>

#include "core/error.h"
#include "core/near_name.h"

namespace twb {

namespace {
// A name itself (whatever characters it holds), or a shell pattern of it.
bool names(const std::string& entry, const std::string& name) {
  return entry == name || fnmatch(entry.c_str(), name.c_str(), 0) == 0;
}

// For an entry that names nothing: the nearest name, or the first ones there are.
std::string hint(const std::string& entry, const std::vector<std::string>& known) {
  if (const std::string nearest = nearestName(entry, known); !nearest.empty())
    return " (did you mean '" + nearest + "'?)";
  std::string listed;
  for (size_t i = 0; i < known.size() && i < 8; ++i) listed += (i ? ", " : "") + known[i];
  return " (the model's are " + listed + (known.size() > 8 ? ", ..." : "") + ")";
}
}  // namespace

std::vector<std::string> frozenLayers(const ModelSpec& spec, const Graph& graph,
                                      const std::vector<std::string>& entries) {
  std::map<std::string, std::string> blockOf;
  for (const BlockSpec& block : spec.blocks)
    for (const std::string& node : block.nodes) blockOf[node] = block.name;
  std::vector<std::string> learning;  // nodes and blocks with trainable parameters
  for (const GraphNode& node : graph.nodes())
    if (node.learns()) {
      learning.push_back(node.name);
      const auto block = blockOf.find(node.name);
      if (block != blockOf.end() &&
          std::find(learning.begin(), learning.end(), block->second) == learning.end())
        learning.push_back(block->second);
    }
  std::vector<bool> frozen(graph.nodes().size(), false);
  for (size_t i = 0; i < entries.size(); ++i) {
    bool named = false;
    for (size_t n = 0; n < graph.nodes().size(); ++n) {
      const GraphNode& node = graph.nodes()[n];
      if (!node.learns()) continue;
      const auto block = blockOf.find(node.name);
      if (names(entries[i], node.name) ||
          (block != blockOf.end() && names(entries[i], block->second)))
        frozen[n] = named = true;
    }
    if (!named)
      throw Error("freeze[" + std::to_string(i) + "]: '" + entries[i] +
                  "' names no layer or block with parameters" + hint(entries[i], learning));
  }
  std::vector<std::string> nodes;
  bool trains = false;
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    if (frozen[n]) nodes.push_back(graph.nodes()[n].name);
    trains = trains || (!frozen[n] && graph.nodes()[n].learns());
  }
  if (!nodes.empty() && !trains)
    throw Error("freeze: holds every layer with parameters still, so nothing would train");
  return nodes;
}

}  // namespace twb
