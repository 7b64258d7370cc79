#pragma once

#include "exec/parameter_store.h"
#include "graph/model_spec.h"

namespace twb {

struct InferenceModel {
  ModelSpec spec;
  ParameterStore params;
};

// The same function, rewritten the way inference runtimes run it (and the form int8 calibrates
// and executes): a BatchNorm2d right after a Conv2d is folded into the convolution's weights
// and bias, a ReLU, ReLU6 or GELU is fused into the Conv2d, Linear or two-input Add that feeds
// only it, and Dropout (the identity at inference) is dropped. Nodes keep their names; a
// removed node's readers read what replaced it.
InferenceModel rewriteForInference(const ModelSpec& spec, const ParameterStore& params);

}  // namespace twb
