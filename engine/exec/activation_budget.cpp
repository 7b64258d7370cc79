#include "exec/activation_budget.h"

#include <algorithm>
#include <vector>

#include "exec/step_arena.h"
#include "graph/graph.h"

namespace twb {

int64_t valueBytesPerSample(const ModelSpec& model, ValuesHeld held) {
  const Graph graph = Graph::build(model, 1);
  const auto& values = graph.values();
  std::vector<size_t> bytes;
  std::vector<int> writer;
  for (const GraphValue& value : values) {
    bytes.push_back(static_cast<size_t>(numel(value.shape)) * sizeof(float));
    writer.push_back(value.producer);
  }
  const StepPlacement placement =
      held == ValuesHeld::every
          ? ownBuffers(graph, std::vector<bool>(values.size(), false))
          : placeInference(graph, bytes, writer, std::vector<int>(values.size(), -1));
  size_t total = placement.arenaBytes;
  for (size_t v = 0; v < values.size(); ++v)
    if (placement.valueOffset[v] == StepPlacement::kOwnBuffer) total += bytes[v];
  return static_cast<int64_t>(total);
}

int64_t batchWithinBudget(const ModelSpec& model, int64_t requested, ValuesHeld held,
                          int64_t budgetBytes) {
  const int64_t bytesPerSample = valueBytesPerSample(model, held);
  return std::clamp<int64_t>(budgetBytes / std::max<int64_t>(bytesPerSample, 1), 1, requested);
}

}  // namespace twb
