#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/shape.h"

namespace twb {

// A model as the user writes it: named inputs (per-sample shapes, no batch), a list of named
// nodes each reading named inputs or earlier nodes, and named outputs. Its JSON form is
//   {"name": "...", "inputs": [{"name": "image", "shape": [1, 28, 28]}],
//    "nodes": [{"name": "fc1", "op": "Linear", "inputs": ["flat"], "attrs": {...}}, ...],
//    "outputs": ["logits"], "blocks": [{"name": "stem", "nodes": ["conv1", "bn1"]}]}
// and is documented in docs/model-file.md. Blocks name groups of nodes for the people reading the
// model (the designer draws them, collapsible); they change nothing the engine computes.
struct InputSpec {
  std::string name;
  Shape shape;  // per sample
  DType dtype = DType::f32;
};

struct NodeSpec {
  std::string name;
  std::string op;
  std::vector<std::string> inputs;
  nlohmann::json attrs = nlohmann::json::object();
};

struct BlockSpec {
  std::string name;                // unique among blocks, nodes and inputs
  std::vector<std::string> nodes;  // at least one; a node is in at most one block
};

struct ModelSpec {
  std::string name;
  std::vector<InputSpec> inputs;
  std::vector<NodeSpec> nodes;
  std::vector<std::string> outputs;
  std::vector<BlockSpec> blocks;

  // Errors carry the path of the bad field ("nodes[2].inputs: must be an array").
  static ModelSpec fromJson(const nlohmann::json& json, const std::string& path = "model");
  nlohmann::json toJson() const;
  // The shape of the only input, what a dataset's samples must be; empty when there are several.
  Shape soleInputShape() const { return inputs.size() == 1 ? inputs[0].shape : Shape{}; }
};

// The model with a loss node "loss" on its first output and a "label" input: integer class
// labels (N) for SoftmaxCrossEntropy, a target shaped like the output for MSE.
ModelSpec withLoss(const ModelSpec& model, const std::string& lossOp, const Shape& outputShape);

}  // namespace twb
