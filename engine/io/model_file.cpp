#include "io/model_file.h"

#include "core/error.h"
#include "graph/graph.h"
#include "io/safetensors.h"

namespace twb {

void saveModel(const std::string& path, const ModelSpec& spec, const ParameterStore& params) {
  TensorFile file;
  file.metadata = {{"format", "twbm/1"}, {"spec", spec.toJson().dump()}};
  for (const auto& p : params.all()) file.tensors.emplace_back(p.name, p.value);
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
  try {
    model.spec = ModelSpec::fromJson(nlohmann::json::parse(specText->second), "spec");
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": metadata spec is not JSON: " + e.what());
  } catch (const Error& e) {
    throw e.within(path);
  }
  // Build at batch 1 to learn every parameter's shape, then fill them from the file.
  const Graph graph = Graph::build(model.spec, 1);
  model.params.ensure(graph, 0);
  for (auto& p : model.params.all()) {
    const Tensor* t = file.find(p.name);
    if (!t) throw Error(path + ": parameter '" + p.name + "' is missing");
    if (t->dtype() != DType::f32 || t->shape() != p.value.shape())
      throw Error(path + ": parameter '" + p.name + "' is " + dtypeName(t->dtype()) + " " +
                  toString(t->shape()) + ", the model needs f32 " + toString(p.value.shape()));
    p.value = t->clone();
  }
  return model;
}

}  // namespace twb
