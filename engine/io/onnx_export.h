#pragma once

#include <string>

#include "exec/parameter_store.h"
#include "exec/quant_plan.h"
#include "graph/model_spec.h"
#include "io/model_file.h"

namespace twb {

// Writes a model as ONNX (opset 13, IR 8) for inference: the batch dimension is free, Dropout
// becomes Identity, GELU its erf form, GlobalAvgPool a GlobalAveragePool + Flatten. The file is
// validated by onnx::checker before it is written; losses (training-only ops) are refused.
// An int8 model (`quant`) is written in the QDQ form other runtimes read as int8: s8 weights
// with a DequantizeLinear per output channel (axis 0), and a QuantizeLinear / DequantizeLinear
// pair wherever the engine stores an activation as int8, with its scale (zero point 0).
// What training knew of the data (`dataset`: the normalisation inputs need, the class names)
// goes into the model's metadata_props as "twb.dataset", the JSON of a .twbm's "dataset"
// (docs/model-file.md), which import reads back.
void exportOnnx(const std::string& path, const ModelSpec& spec, const ParameterStore& params,
                const QuantPlan* quant = nullptr, const DatasetInfo& dataset = {});

}  // namespace twb
