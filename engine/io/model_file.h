#pragma once

#include <string>

#include "exec/parameter_store.h"
#include "graph/model_spec.h"

namespace twb {

// A model file (.twbm): a safetensors file whose tensors are the parameters ("conv1.weight",
// f32, PyTorch's layout) and whose metadata holds "format": "twbm/1" and "spec": the ModelSpec
// JSON. Documented in docs/model-file.md.
struct ModelFile {
  ModelSpec spec;
  ParameterStore params;
};

void saveModel(const std::string& path, const ModelSpec& spec, const ParameterStore& params);
ModelFile loadModel(const std::string& path);

}  // namespace twb
