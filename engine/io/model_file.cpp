#include "io/model_file.h"

#include "core/error.h"
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

}  // namespace

void saveModel(const std::string& path, const ModelSpec& spec, const ParameterStore& params,
               const QuantPlan* quant) {
  TensorFile file;
  file.metadata = {{"format", "twbm/1"}, {"spec", spec.toJson().dump()}};
  if (quant) file.metadata["quantization"] = quant->toJson().dump();
  for (const auto& p : params.all()) {
    const LayerQuant* layer = int8Weight(quant, p.name);
    file.tensors.emplace_back(p.name, layer ? toInt8Weights(p.value, layer->weightScales) : p.value);
  }
  writeTensorFile(path, file);
}

ModelFile loadModel(const std::string& path) {
  const TensorFile file = readTensorFile(path);
  auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != "twbm/1")
    throw Error(path + ": not a Tensor Workbench model (metadata format is not twbm/1)");
  auto specText = file.metadata.find("spec");
  if (specText == file.metadata.end()) throw Error(path + ": metadata has no model spec");
  ModelFile model;
  const std::string* parsing = &specText->second;
  try {
    model.spec = ModelSpec::fromJson(nlohmann::json::parse(specText->second), "spec");
    auto quantText = file.metadata.find("quantization");
    if (quantText != file.metadata.end()) {
      parsing = &quantText->second;
      model.quant = QuantPlan::fromJson(nlohmann::json::parse(quantText->second), "quantization");
    }
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": metadata " + (parsing == &specText->second ? "spec" : "quantization") +
                " is not JSON: " + e.what());
  } catch (const Error& e) {
    throw e.within(path);
  }
  // Build at batch 1 to learn every parameter's shape, then fill them from the file.
  const Graph graph = Graph::build(model.spec, 1);
  model.params.ensure(graph, 0);
  const QuantPlan* quant = model.quant ? &*model.quant : nullptr;
  for (auto& p : model.params.all()) {
    const Tensor* t = file.find(p.name);
    if (!t) throw Error(path + ": parameter '" + p.name + "' is missing");
    const LayerQuant* layer = int8Weight(quant, p.name);
    const DType stored = layer ? DType::s8 : DType::f32;
    if (t->dtype() != stored || t->shape() != p.value.shape())
      throw Error(path + ": parameter '" + p.name + "' is " + dtypeName(t->dtype()) + " " +
                  toString(t->shape()) + ", the model needs " + dtypeName(stored) + " " +
                  toString(p.value.shape()));
    if (layer && static_cast<int64_t>(layer->weightScales.size()) != p.value.shape()[0])
      throw Error(path + ": quantization.layers." + p.name.substr(0, p.name.rfind('.')) +
                  ".weight_scales has " + std::to_string(layer->weightScales.size()) +
                  " scales for " + std::to_string(p.value.shape()[0]) + " output channels");
    p.value = layer ? fromInt8Weights(*t, layer->weightScales) : t->clone();
  }
  return model;
}

}  // namespace twb
