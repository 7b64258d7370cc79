#pragma once

#include <cstdint>

#include "exec/executor.h"
#include "graph/model_spec.h"

namespace twb {

// An inference executor's memory grows with the batch: its values (all of them, or those alive
// at once: ExecOptions::keepEveryValue), the kernels' scratchpad and buffers per sample.
// Evaluation, calibration and prediction, whose results do not depend on the batch, run in
// chunks that keep that growth to this budget, small enough to sit beside a training executor
// (ResNet-50 at 224x224: `predict` runs 39 samples a chunk, calibration 3).
constexpr int64_t kInferenceActivationBudget = int64_t{256} << 20;

// What one more sample adds to an inference executor of `model` (Executor::plannedNeed at two
// batch sizes; `params` are read under int8 only).
int64_t bytesPerSample(const ModelSpec& model, const ParameterStore& params,
                       const ExecOptions& options);

// The largest batch, at most `requested` and at least 1, whose growth fits `budgetBytes`.
int64_t batchWithinBudget(const ModelSpec& model, const ParameterStore& params,
                          const ExecOptions& options, int64_t requested,
                          int64_t budgetBytes = kInferenceActivationBudget);
// The same for a growth of `bytesPerSample` (bytesPerSample()).
int64_t batchWithinBudget(int64_t bytesPerSample, int64_t requested,
                          int64_t budgetBytes = kInferenceActivationBudget);

// The batch of as few passes over `samples` as batches of `largest` make, evened out: one
// executor runs them all, its last pass computing rows past the data that are not read (fewer
// than one a pass). 203 samples at 64: passes of 51.
int64_t evenedBatch(int64_t samples, int64_t largest);

}  // namespace twb
