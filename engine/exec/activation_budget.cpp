#include "exec/activation_budget.h"

#include <algorithm>

#include "graph/graph.h"

namespace twb {

int64_t bytesPerSample(const ModelSpec& model, const ParameterStore& params,
                       const ExecOptions& options) {
  // Apart by a few samples, so that what a kernel rounds up (blocks of a batch) averages out.
  constexpr int64_t kApart = 4;
  auto planned = [&](int64_t batch) {
    return static_cast<int64_t>(
        Executor::plannedNeed(Graph::build(model, batch), params, options).total());
  };
  return std::max<int64_t>(1, (planned(1 + kApart) - planned(1)) / kApart);
}

int64_t batchWithinBudget(const ModelSpec& model, const ParameterStore& params,
                          const ExecOptions& options, int64_t requested, int64_t budgetBytes) {
  if (requested <= 1) return 1;  // not worth planning
  return batchWithinBudget(bytesPerSample(model, params, options), requested, budgetBytes);
}

int64_t batchWithinBudget(int64_t bytesPerSample, int64_t requested, int64_t budgetBytes) {
  return std::clamp<int64_t>(budgetBytes / std::max<int64_t>(bytesPerSample, 1), 1, requested);
}

int64_t evenedBatch(int64_t samples, int64_t largest) {
  samples = std::max<int64_t>(samples, 1);
  largest = std::clamp<int64_t>(largest, 1, samples);
  const int64_t passes = (samples + largest - 1) / largest;
  return (samples + passes - 1) / passes;
}

}  // namespace twb
