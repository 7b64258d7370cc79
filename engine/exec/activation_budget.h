#pragma once

#include <cstdint>

#include "graph/model_spec.h"

namespace twb {

// An inference executor keeps every value of its graph for the whole batch, so its memory is the
// batch times the values of one sample. Evaluation, calibration and prediction, whose results do
// not depend on the batch, run in chunks that keep to this budget, small enough to sit beside a
// training executor (`predict` of the inference forms: ResNet-50 at 224x224 runs 3 samples a
// chunk, resnet18-cifar 77).
constexpr int64_t kInferenceActivationBudget = int64_t{256} << 20;

// The bytes of every value of the model's graph for one sample (fp32).
int64_t valueBytesPerSample(const ModelSpec& model);

// The largest batch, at most `requested` and at least 1, whose values fit `budgetBytes`.
int64_t batchWithinBudget(const ModelSpec& model, int64_t requested,
                          int64_t budgetBytes = kInferenceActivationBudget);

}  // namespace twb
