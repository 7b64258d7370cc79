#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "graph/model_spec.h"
#include "ops/op.h"

namespace twb {

// A value flowing between nodes: a graph input or a node's output, with its batched shape.
struct GraphValue {
  std::string name;
  Shape shape;
  DType dtype = DType::f32;
  int producer = -1;           // node index; -1 for a graph input
  std::vector<int> consumers;  // node indices
};

struct GraphNode {
  std::string name;
  std::string opName;
  std::unique_ptr<Op> op;
  std::vector<int> inputs;  // value indices
  int output = -1;          // value index
  std::vector<ParamSpec> params;
  double forwardFlops = 0;

  bool learns() const;  // has a trainable parameter
};

// A validated ModelSpec at one batch size: nodes in execution (topological) order, every shape
// inferred. Building it reports the first problem with the node it concerns: an unknown op or
// input, a cycle, a shape mismatch.
class Graph {
 public:
  static Graph build(const ModelSpec& spec, int64_t batch);

  int64_t batch() const { return m_batch; }
  const std::vector<GraphValue>& values() const { return m_values; }
  const std::vector<GraphNode>& nodes() const { return m_nodes; }
  const std::vector<int>& inputs() const { return m_inputs; }
  const std::vector<int>& outputs() const { return m_outputs; }
  int valueIndex(const std::string& name) const;  // throws when absent

  // Every parameter as "node.suffix" with its spec, in node order.
  std::vector<std::pair<std::string, ParamSpec>> parameters() const;
  int64_t parameterCount() const;  // trainable elements
  // Holds the parameters of `nodes` still (a job's "freeze", graph/frozen_layers.h): they become
  // state like running statistics, with no gradient, and backward skips what only they needed.
  void freezeNodes(const std::vector<std::string>& nodes);
  double forwardFlops() const;

 private:
  int64_t m_batch = 0;
  std::vector<GraphValue> m_values;
  std::vector<GraphNode> m_nodes;
  std::vector<int> m_inputs, m_outputs;
  std::map<std::string, int> m_valueByName;
};

}  // namespace twb
