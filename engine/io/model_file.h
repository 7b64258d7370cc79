#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "data/dataset.h"
#include "exec/parameter_store.h"
#include "exec/quant_plan.h"
#include "graph/model_spec.h"

namespace twb {

// A model file (.twbm): a safetensors file whose tensors are the parameters ("conv1.weight",
// f32, PyTorch's layout) and whose metadata holds "format": "twbm/1" and "spec": the ModelSpec
// JSON. An int8 model also holds "quantization": its QuantPlan, and stores the weights of its
// int8 layers as I8 (real = q * weight scale of the output channel). A trained model also holds
// "dataset": what its data was (DatasetInfo). Documented in docs/model-file.md.

// What training knew of its data, so a model can be run on raw images and name its answers: the
// normalisation the data loader applied and the class names (an image folder's sub-folders);
// and the dataset specs it trained and was evaluated on, files' paths absolute ("fashion-mnist",
// "images:/data/pets"; test empty: the test split of train), what eval and quantize use when
// not told. ONNX exports leave the specs out: they name this machine's files.
struct DatasetInfo {
  std::optional<Normalization> normalization;
  std::vector<std::string> classNames;
  std::string train, test;
  bool empty() const { return !normalization && classNames.empty() && train.empty(); }
};

struct ModelFile {
  ModelSpec spec;
  ParameterStore params;          // f32; an int8 layer's weights are its q * scale
  std::optional<QuantPlan> quant;
  DatasetInfo dataset;
  // What reading it changed of what the file says, for the user (an ONNX file's fixed batch
  // read as a free one); not saved.
  std::vector<std::string> notes;
};

// Where an ONNX file the engine exports keeps the same JSON: its metadata_props entry.
constexpr const char* kOnnxDatasetKey = "twb.dataset";

// The "dataset" metadata as JSON, {"normalization": {...}, "class_names": [...]}, and back
// (errors name the field: "dataset.normalization.std: ...").
nlohmann::json toJson(const DatasetInfo& dataset);
DatasetInfo datasetInfoFromJson(const nlohmann::json& j);

void saveModel(const std::string& path, const ModelSpec& spec, const ParameterStore& params,
               const QuantPlan* quant = nullptr, const DatasetInfo& dataset = {});
ModelFile loadModel(const std::string& path);

}  // namespace twb
