#include "exec/gradient_arena.h"

#include <algorithm>

#include "exec/arena_plan.h"
#include "exec/gradient_values.h"

namespace twb {

GradientPlacement placeGradients(const Graph& graph, const std::vector<bool>& needsGrad,
                                 const std::vector<size_t>& bytes) {
  const auto& values = graph.values();
  const auto& nodes = graph.nodes();
  const auto& outputs = graph.outputs();
  const int last = static_cast<int>(nodes.size()) - 1;
  auto backwardStep = [last](int node) { return last - node; };  // node `last` goes first
  GradientPlacement placement;
  placement.gradOffset.assign(values.size(), GradientPlacement::kOwnBuffer);
  placement.shareOffsets.resize(values.size());
  // Each arena buffer, and where its offset goes once planned.
  std::vector<BufferLife> lives;
  std::vector<size_t*> destinations;
  auto inArena = [&](size_t* destination, size_t size, int writer, int reader) {
    lives.push_back({size, backwardStep(writer), backwardStep(reader)});
    destinations.push_back(destination);
  };
  for (size_t v = 0; v < values.size(); ++v) {
    if (!needsGrad[v]) continue;
    const auto readers = gradientReaders(graph, static_cast<int>(v));
    if (readers.size() >= 2)
      placement.shareOffsets[v].assign(readers.size(), GradientPlacement::kOwnBuffer);
    const int producer = values[v].producer;
    const bool output = std::find(outputs.begin(), outputs.end(), v) != outputs.end();
    if (producer < 0 || output || readers.empty()) continue;
    auto written = [&](int reader) { return needsGrad[static_cast<size_t>(nodes[reader].output)]; };
    if (readers.size() == 1) {
      if (written(readers[0].first))
        inArena(&placement.gradOffset[v], bytes[v], readers[0].first, producer);
      continue;
    }
    // The shares are summed into the gradient just before the producer's backward.
    for (size_t c = 0; c < readers.size(); ++c)
      if (written(readers[c].first))
        inArena(&placement.shareOffsets[v][c], bytes[v], readers[c].first, producer);
    inArena(&placement.gradOffset[v], bytes[v], producer, producer);
  }
  const ArenaPlan plan = planArena(lives);
  for (size_t b = 0; b < lives.size(); ++b) *destinations[b] = plan.offsets[b];
  placement.arenaBytes = plan.bytes;
  return placement;
}

}  // namespace twb
