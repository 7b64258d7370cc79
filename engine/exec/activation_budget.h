#pragma once

#include <cstdint>

#include "graph/model_spec.h"

namespace twb {

// The values an inference pass holds at once: those alive together (evaluation and prediction,
// which read only the graph's outputs: exec/step_arena.h), or every value (calibration and the
// quantizer's checks, which read them all).
enum class ValuesHeld { byLives, every };

// An inference executor's values grow with the batch. Evaluation, calibration and prediction,
// whose results do not depend on the batch, run in chunks that keep them to this budget, small
// enough to sit beside a training executor (ResNet-50 at 224x224: `predict` runs 26 samples a
// chunk, calibration 3).
constexpr int64_t kInferenceActivationBudget = int64_t{256} << 20;

// The bytes of the values the model's graph holds for one sample (fp32).
int64_t valueBytesPerSample(const ModelSpec& model, ValuesHeld held);

// The largest batch, at most `requested` and at least 1, whose values fit `budgetBytes`.
int64_t batchWithinBudget(const ModelSpec& model, int64_t requested, ValuesHeld held,
                          int64_t budgetBytes = kInferenceActivationBudget);

}  // namespace twb
