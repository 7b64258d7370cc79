#include "exec/gradient_values.h"

namespace twb {

std::vector<bool> gradientValues(const Graph& graph, bool training, bool inputGradients) {
  const auto& values = graph.values();
  const auto& nodes = graph.nodes();
  std::vector<bool> fromParameters(values.size(), false), toOutputs(values.size(), false);
  if (!training) return fromParameters;
  // Forward: values that depend on a trainable parameter (or on an input whose gradient is
  // wanted); only they can carry a gradient worth computing.
  for (int v : graph.inputs()) fromParameters[v] = inputGradients && values[v].dtype == DType::f32;
  for (const auto& node : nodes) {
    bool flows = false;
    for (const auto& p : node.params) flows = flows || p.trainable;
    for (size_t i = 0; i < node.inputs.size(); ++i)
      flows = flows || (fromParameters[node.inputs[i]] && node.op->differentiable(i));
    fromParameters[node.output] = flows;
  }
  // Backward: values from which a gradient reaches an output.
  for (int v : graph.outputs()) toOutputs[v] = true;
  for (size_t n = nodes.size(); n-- > 0;)
    if (toOutputs[nodes[n].output])
      for (size_t i = 0; i < nodes[n].inputs.size(); ++i)
        if (nodes[n].op->differentiable(i)) toOutputs[nodes[n].inputs[i]] = true;
  std::vector<bool> wanted(values.size());
  for (size_t v = 0; v < values.size(); ++v) wanted[v] = fromParameters[v] && toOutputs[v];
  return wanted;
}

double trainingStepFlops(const Graph& graph) {
  const std::vector<bool> gradients = gradientValues(graph, true, false);
  double flops = 0;
  for (const GraphNode& node : graph.nodes()) {
    flops += node.forwardFlops;
    if (!gradients[node.output]) continue;
    bool inputGradient = false;
    for (size_t i = 0; i < node.inputs.size(); ++i)
      inputGradient = inputGradient || (gradients[node.inputs[i]] && node.op->differentiable(i));
    flops += node.forwardFlops * (node.learns() + inputGradient);
  }
  return flops;
}

std::vector<std::pair<int, size_t>> gradientReaders(const Graph& graph, int value) {
  std::vector<std::pair<int, size_t>> readers;
  const auto& nodes = graph.nodes();
  for (size_t n = 0; n < nodes.size(); ++n)
    for (size_t i = 0; i < nodes[n].inputs.size(); ++i)
      if (nodes[n].inputs[i] == value && nodes[n].op->differentiable(i))
        readers.emplace_back(static_cast<int>(n), i);
  return readers;
}

}  // namespace twb
