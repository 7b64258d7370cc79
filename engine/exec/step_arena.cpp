#include "exec/step_arena.h"

#include <algorithm>

#include "exec/arena_plan.h"
#include "exec/gradient_values.h"

namespace twb {

StepPlacement ownBuffers(const Graph& graph, const std::vector<bool>& needsGrad) {
  const size_t count = graph.values().size();
  StepPlacement placement;
  placement.valueOffset.assign(count, StepPlacement::kOwnBuffer);
  placement.gradOffset.assign(count, StepPlacement::kOwnBuffer);
  placement.shareOffsets.resize(count);
  for (size_t v = 0; v < count; ++v)
    if (const size_t readers =
            needsGrad[v] ? gradientReaders(graph, static_cast<int>(v)).size() : 0;
        readers >= 2)
      placement.shareOffsets[v].assign(readers, StepPlacement::kOwnBuffer);
  return placement;
}

StepPlacement placeTrainingStep(const Graph& graph, const std::vector<bool>& needsGrad,
                                const std::vector<size_t>& bytes, const BackwardReads& reads) {
  const auto& values = graph.values();
  const auto& nodes = graph.nodes();
  const auto& outputs = graph.outputs();
  // Node n runs forward at step n and backward at step 2N - 1 - n.
  const int count = static_cast<int>(nodes.size());
  auto backwardStep = [count](int node) { return 2 * count - 1 - node; };
  // Every buffer its own, then into the arena what may share.
  StepPlacement placement = ownBuffers(graph, needsGrad);
  // Each arena buffer, and where its offset goes once planned.
  std::vector<BufferLife> lives;
  std::vector<size_t*> destinations;
  auto inArena = [&](size_t* destination, size_t size, int first, int last) {
    lives.push_back({size, first, last});
    destinations.push_back(destination);
  };
  for (size_t v = 0; v < values.size(); ++v) {
    const int producer = values[v].producer;
    const bool output = std::find(outputs.begin(), outputs.end(), v) != outputs.end();
    if (producer < 0 || output || !bytes[v]) continue;
    int lastRead = reads.output[static_cast<size_t>(producer)] ? backwardStep(producer) : producer;
    for (int reader : values[v].consumers) {
      lastRead = std::max(lastRead, reader);
      const GraphNode& node = nodes[static_cast<size_t>(reader)];
      for (size_t i = 0; i < node.inputs.size(); ++i)
        if (node.inputs[i] == static_cast<int>(v) && reads.inputs[static_cast<size_t>(reader)][i])
          lastRead = std::max(lastRead, backwardStep(reader));
    }
    inArena(&placement.valueOffset[v], bytes[v], producer, lastRead);
    if (!needsGrad[v]) continue;
    const auto readers = gradientReaders(graph, static_cast<int>(v));
    if (readers.empty()) continue;
    auto written = [&](int reader) { return needsGrad[static_cast<size_t>(nodes[reader].output)]; };
    if (readers.size() == 1) {
      if (written(readers[0].first))
        inArena(&placement.gradOffset[v], bytes[v], backwardStep(readers[0].first),
                backwardStep(producer));
      continue;
    }
    // The shares are summed into the gradient just before the producer's backward.
    for (size_t c = 0; c < readers.size(); ++c)
      if (written(readers[c].first))
        inArena(&placement.shareOffsets[v][c], bytes[v], backwardStep(readers[c].first),
                backwardStep(producer));
    inArena(&placement.gradOffset[v], bytes[v], backwardStep(producer), backwardStep(producer));
  }
  const ArenaPlan plan = planArena(lives);
  for (size_t b = 0; b < lives.size(); ++b) *destinations[b] = plan.offsets[b];
  placement.arenaBytes = plan.bytes;
  return placement;
}

StepPlacement placeInference(const Graph& graph, const std::vector<size_t>& bytes,
                             const std::vector<int>& writer, const std::vector<int>& storedIn) {
  const auto& values = graph.values();
  const auto& outputs = graph.outputs();
  StepPlacement placement = ownBuffers(graph, std::vector<bool>(values.size(), false));
  auto bufferOf = [&](size_t v) {  // the value whose buffer holds v
    while (storedIn[v] >= 0) v = static_cast<size_t>(storedIn[v]);
    return v;
  };
  // Per buffer: the steps from its first write to its last read, and whether it must be kept.
  std::vector<BufferLife> lives(values.size());
  std::vector<bool> used(values.size(), false), kept(values.size(), false);
  for (size_t v = 0; v < values.size(); ++v) {
    if (values[v].producer < 0 || !bytes[v]) continue;  // an input, or computed inside a kernel
    const size_t b = bufferOf(v);
    BufferLife& life = lives[b];
    if (!used[b]) life = {bytes[b], writer[v], writer[v]};
    used[b] = true;
    life.first = std::min(life.first, writer[v]);
    for (int reader : values[v].consumers) life.last = std::max(life.last, reader);
    if (std::find(outputs.begin(), outputs.end(), v) != outputs.end()) kept[b] = true;
  }
  std::vector<BufferLife> arena;
  std::vector<size_t> arenaValues;
  for (size_t b = 0; b < values.size(); ++b)
    if (used[b] && !kept[b]) {
      arena.push_back(lives[b]);
      arenaValues.push_back(b);
    }
  const ArenaPlan plan = planArena(arena);
  for (size_t i = 0; i < arenaValues.size(); ++i)
    placement.valueOffset[arenaValues[i]] = plan.offsets[i];
  for (size_t v = 0; v < values.size(); ++v)
    if (storedIn[v] >= 0) placement.valueOffset[v] = placement.valueOffset[bufferOf(v)];
  placement.arenaBytes = plan.bytes;
  return placement;
}

}  // namespace twb
