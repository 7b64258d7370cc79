#pragma once

#include <string>

#include "core/random.h"
#include "graph/model_spec.h"

namespace twb {

// Random values for one of a model's inputs, for timing it without data: N(0, 1), or whole
// numbers below the vocabulary where the input is token ids an Embedding looks up (a normal
// value is no id, and the lookup refuses it).
void fillSyntheticInput(const ModelSpec& model, const std::string& input, float* values,
                        int64_t count, Random& random);

}  // namespace twb
