#include "quant/int8_placement.h"

#include <algorithm>

#include "exec/precision_policy.h"

namespace twb {

ActivationRange Int8Placement::inputRange(const Graph& graph, const QuantPlan& plan,
                                          int value) const {
  const ActivationRange& calibrated = plan.range(graph.values()[value].name);
  if (storedScale[value] <= 0) return calibrated;
  return {storedScale[value] * (storedType[value] == DType::u8 ? 255.f : 127.f),
          storedType[value] == DType::u8};
}

float Int8Placement::inputScale(const Graph& graph, const QuantPlan& plan, int value) const {
  return storedScale[value] > 0 ? storedScale[value]
                                : plan.range(graph.values()[value].name).scale();
}

Int8Placement placeInt8(const Graph& graph, const QuantPlan& plan) {
  const auto& values = graph.values();
  const auto& outputs = graph.outputs();
  Int8Placement p;
  p.nodeInt8.assign(graph.nodes().size(), false);
  p.storedScale.assign(values.size(), 0.f);
  p.storedType.resize(values.size());
  for (size_t v = 0; v < values.size(); ++v) p.storedType[v] = values[v].dtype;
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const GraphNode& node = graph.nodes()[n];
    const OpPrecision precision = opPrecision(node.opName, Precision::int8);
    const int out = node.output;
    if (precision.followsInput) {
      const int in = node.inputs[0];
      p.nodeInt8[n] = p.storedScale[in] > 0;
      p.storedScale[out] = p.storedScale[in];
      p.storedType[out] = p.storedType[in];
      continue;
    }
    if (!precision.int8Capable) continue;
    p.nodeInt8[n] = node.opName == "Add"
                        ? node.inputs.size() == 2 && p.storedScale[node.inputs[0]] > 0 &&
                              p.storedScale[node.inputs[1]] > 0
                        : plan.isInt8(node.name);
    if (!p.nodeInt8[n] || std::find(outputs.begin(), outputs.end(), out) != outputs.end())
      continue;
    const ActivationRange& range = plan.range(values[out].name);
    p.storedScale[out] = range.scale();
    p.storedType[out] = range.type();
  }
  return p;
}

}  // namespace twb
