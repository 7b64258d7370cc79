#include "io/edited_model.h"

#include <cstring>

#include "graph/graph.h"
#include "io/onnx_import.h"

namespace twb {

namespace {

const NodeSpec* findNode(const ModelSpec& spec, const std::string& name) {
  for (const NodeSpec& node : spec.nodes)
    if (node.name == name) return &node;
  return nullptr;
}

// "conv1.weight" belongs to node "conv1"; a node name may hold dots itself ("layer1.0.conv1").
std::string ownerOf(const std::string& parameter) {
  return parameter.substr(0, parameter.rfind('.'));
}

}  // namespace

ModelFile loadModelOrOnnx(const std::string& path,
                          const std::map<std::string, Shape>& inputShapes) {
  const bool onnx = path.size() >= 5 && path.compare(path.size() - 5, 5, ".onnx") == 0;
  if (onnx) return importOnnx(path, inputShapes);
  if (!inputShapes.empty())
    throw Error(path + ": input shapes are given for it, and only an ONNX file leaves sizes free");
  return loadModel(path);
}

EditedModel carryWeights(const ModelFile& source, const ModelSpec& edited, uint64_t seed) {
  EditedModel result;
  result.model.spec = edited;
  result.model.dataset = source.dataset;
  const Graph graph = Graph::build(edited, 1);
  result.model.params.ensure(graph, seed);
  for (Parameter& p : result.model.params.all()) {
    const Parameter* old = source.params.find(p.name);
    const NodeSpec* before = findNode(source.spec, ownerOf(p.name));
    const NodeSpec* after = findNode(edited, ownerOf(p.name));
    const bool unchanged = old && before && after && before->op == after->op &&
                           before->attrs == after->attrs && old->value.shape() == p.value.shape();
    if (!unchanged) {
      result.fresh.push_back(p.name);
      continue;
    }
    result.kept.push_back(p.name);
    std::memcpy(p.value.data<float>(), old->value.data<float>(),
                static_cast<size_t>(p.value.numel()) * sizeof(float));
  }
  return result;
}

}  // namespace twb
