#pragma once

#include <string>

#include "exec/parameter_store.h"
#include "graph/model_spec.h"

namespace twb {

// Writes a model as ONNX (opset 13, IR 8) for inference: the batch dimension is free, Dropout
// becomes Identity, GELU its erf form, GlobalAvgPool a GlobalAveragePool + Flatten. The file is
// validated by onnx::checker before it is written; losses (training-only ops) are refused.
void exportOnnx(const std::string& path, const ModelSpec& spec, const ParameterStore& params);

}  // namespace twb
