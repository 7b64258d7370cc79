#include "io/model_file.h"

#include <cctype>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/json_object.h"
#include "graph/graph.h"
#include "io/safetensors.h"

namespace twb {

namespace {

// The parameter whose values an int8 layer stores as I8: its weight.
const LayerQuant* int8Weight(const QuantPlan* quant, const std::string& param) {
  if (!quant) return nullptr;
  const auto dot = param.rfind('.');
  if (param.substr(dot + 1) != "weight") return nullptr;
  auto it = quant->layers.find(param.substr(0, dot));
  return it != quant->layers.end() && it->second.int8 ? &it->second : nullptr;
}

// A job file (JSON) given where a model goes: its first non-blank character opens an object.
bool looksLikeJson(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  char c = 0;
  while (in.get(c) && std::isspace(static_cast<unsigned char>(c))) {
  }
  return in && c == '{';
}

}  // namespace

nlohmann::json toJson(const DatasetInfo& dataset) {
  nlohmann::json j = nlohmann::json::object();
  if (dataset.normalization) j["normalization"] = toJson(*dataset.normalization);
  if (!dataset.classNames.empty()) j["class_names"] = dataset.classNames;
  if (!dataset.train.empty()) j["train"] = dataset.train;
  if (!dataset.test.empty()) j["test"] = dataset.test;
  return j;
}

DatasetInfo datasetInfoFromJson(const nlohmann::json& j) {
  JsonObject o(j, "dataset");
  DatasetInfo dataset;
  if (o.has("normalization"))
    dataset.normalization = normalizationFromJson(o.raw("normalization"), "dataset.normalization");
  if (o.has("class_names")) dataset.classNames = o.strings("class_names");
  dataset.train = o.string("train", "");
  dataset.test = o.string("test", "");
  o.rejectUnknown();
  return dataset;
}

void saveModel(const std::string& path, const ModelSpec& spec, const ParameterStore& params,
               const QuantPlan* quant, const DatasetInfo& dataset) {
  TensorFile file;
  file.metadata = {{"format", "twbm/1"}, {"spec", spec.toJson().dump()}};
  if (quant) file.metadata["quantization"] = quant->toJson().dump();
  if (!dataset.empty()) file.metadata["dataset"] = toJson(dataset).dump();
  for (const auto& p : params.all()) {
    const LayerQuant* layer = int8Weight(quant, p.name);
    file.tensors.emplace_back(p.name, layer ? toInt8Weights(p.value, layer->weightScales) : p.value);
  }
  writeTensorFile(path, file);
}

ModelFile loadModel(const std::string& path) {
  TensorFile file;
  try {
    file = readTensorFile(path);
  } catch (const Error& e) {
    // Another kind of file fails as a tensor file too: say what it was read as, and why not.
    const std::string why = e.what();
    if (!std::filesystem::is_regular_file(path)) throw;
    if (looksLikeJson(path))
      throw Error(path + ": a job file (JSON), not a model file: `twb-engine train " + path +
                  "` trains its model into the run's model.twbm, which goes here");
    throw Error(path + ": does not read as a Tensor Workbench model file (.twbm): " +
                (why.starts_with(path + ": ") ? why.substr(path.size() + 2) : why));
  }
  auto format = file.metadata.find("format");
  if (format != file.metadata.end() && format->second.starts_with("twb-checkpoint/"))
    throw Error(path +
                ": a training checkpoint, not a model file: use its run's model.twbm (written "
                "when the run ends or is stopped); for a run that ended without one, `twb-engine "
                "train JOB --resume " +
                path + " --max-steps 1` writes the checkpoint's model without training further");
  if (format == file.metadata.end() || format->second != "twbm/1")
    throw Error(path + ": not a Tensor Workbench model (metadata format is not twbm/1)");
  auto specText = file.metadata.find("spec");
  if (specText == file.metadata.end()) throw Error(path + ": metadata has no model spec");
  ModelFile model;
  const char* parsing = "spec";  // the metadata entry being read, for errors
  try {
    model.spec = ModelSpec::fromJson(nlohmann::json::parse(specText->second), "spec");
    auto quantText = file.metadata.find("quantization");
    if (quantText != file.metadata.end()) {
      parsing = "quantization";
      model.quant = QuantPlan::fromJson(nlohmann::json::parse(quantText->second), "quantization");
    }
    auto datasetText = file.metadata.find("dataset");
    if (datasetText != file.metadata.end()) {
      parsing = "dataset";
      model.dataset = datasetInfoFromJson(nlohmann::json::parse(datasetText->second));
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": metadata " + parsing + " is not JSON: " + e.what());
  } catch (const Error& e) {
    throw e.within(path);
  }
  // Build at batch 1 to learn every parameter's shape, then take each from the file.
  const Graph graph = Graph::build(model.spec, 1);
  const QuantPlan* quant = model.quant ? &*model.quant : nullptr;
  for (const auto& [name, spec] : graph.parameters()) {
    Tensor* found = file.find(name);
    if (!found) throw Error(path + ": parameter '" + name + "' is missing");
    Tensor& t = *found;
    const LayerQuant* layer = int8Weight(quant, name);
    const DType type = layer ? DType::s8 : DType::f32;
    if (t.dtype() != type || t.shape() != spec.shape)
      throw Error(path + ": parameter '" + name + "' is " + dtypeName(t.dtype()) + " " +
                  toString(t.shape()) + ", the model needs " + dtypeName(type) + " " +
                  toString(spec.shape));
    if (layer && static_cast<int64_t>(layer->weightScales.size()) != spec.shape[0])
      throw Error(path + ": quantization.layers." + name.substr(0, name.rfind('.')) +
                  ".weight_scales has " + std::to_string(layer->weightScales.size()) +
                  " scales for " + std::to_string(spec.shape[0]) + " output channels");
    model.params.add(name, spec, layer ? fromInt8Weights(t, layer->weightScales) : std::move(t));
  }
  return model;
}

}  // namespace twb
