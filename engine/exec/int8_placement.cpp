#include "exec/int8_placement.h"

#include <algorithm>


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

namespace {
// A sum stays int8 in its fused form, when every input is stored int8.
bool sumStaysInt8(const GraphNode& node, const OpTraits& traits,
                  const std::vector<float>& storedScale) {
  if (node.inputs.size() > static_cast<size_t>(traits.fusedFormInputs)) return false;
  return std::all_of(node.inputs.begin(), node.inputs.end(),
                     [&](int v) { return storedScale[v] > 0; });
}
}  // namespace

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
    const OpTraits& traits = node.op->traits();
    const int out = node.output;
    if (traits.int8 == Int8Role::followsInput) {
      const int in = node.inputs[0];
      p.nodeInt8[n] = p.storedScale[in] > 0;
      p.storedScale[out] = p.storedScale[in];
      p.storedType[out] = p.storedType[in];
      continue;
    }
    if (traits.int8 == Int8Role::none) continue;
    p.nodeInt8[n] = traits.int8 == Int8Role::weighted ? plan.isInt8(node.name)
                                                      : sumStaysInt8(node, traits, p.storedScale);
    if (!p.nodeInt8[n] || std::find(outputs.begin(), outputs.end(), out) != outputs.end())
      continue;
    const ActivationRange& range = plan.range(values[out].name);
    p.storedScale[out] = range.scale();
    p.storedType[out] = range.type();
  }
  return p;
}

}  // namespace twb
