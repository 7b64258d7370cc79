#include "exec/activation_budget.h"

#include <algorithm>

#include "graph/graph.h"

namespace twb {

int64_t valueBytesPerSample(const ModelSpec& model) {
  const Graph graph = Graph::build(model, 1);
  int64_t bytes = 0;
  for (const GraphValue& value : graph.values())
    bytes += numel(value.shape) * static_cast<int64_t>(sizeof(float));
  return bytes;
}

int64_t batchWithinBudget(const ModelSpec& model, int64_t requested, int64_t budgetBytes) {
  const int64_t bytesPerSample = valueBytesPerSample(model);
  return std::clamp<int64_t>(budgetBytes / std::max<int64_t>(bytesPerSample, 1), 1, requested);
}

}  // namespace twb
