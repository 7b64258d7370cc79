#include "quant/inference_rewrite.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "graph/graph.h"
#include "ops/op_registry.h"

namespace twb {

namespace {

struct Rewriter {
  const Graph& graph;
  const ParameterStore& params;
  std::map<std::string, const NodeSpec*> specByName;
  std::map<std::string, std::string> alias;    // removed node -> the node that replaced it
  std::map<std::string, size_t> emitted;       // node name -> index in out.nodes
  std::map<std::string, Tensor> foldedParams;  // "conv1.weight" -> folded values
  ModelSpec out;

  std::string resolve(const std::string& name) const {
    auto it = alias.find(name);
    return it == alias.end() ? name : it->second;
  }

  // Whether `value` is read by exactly one node and is not a model output: only then may its
  // producer absorb the reader.
  bool onlyReader(const std::string& value) const {
    const GraphValue& v = graph.values()[graph.valueIndex(value)];
    const auto& outputs = graph.outputs();
    return v.consumers.size() == 1 &&
           std::find(outputs.begin(), outputs.end(), graph.valueIndex(value)) == outputs.end();
  }

  NodeSpec* emittedNode(const std::string& name) {
    auto it = emitted.find(name);
    return it == emitted.end() ? nullptr : &out.nodes[it->second];
  }

  static bool hasActivation(const NodeSpec& n) {
    return n.attrs.contains("activation") && n.attrs["activation"] != "none";
  }

  Tensor param(const std::string& name) const {
    auto it = foldedParams.find(name);
    return it != foldedParams.end() ? it->second : params.find(name)->value.clone();
  }

  // producer(x) * scale + shift, per output channel, becomes the producer with weights
  // w * scale and bias b * scale + shift.
  void foldAffine(const GraphNode& affine, NodeSpec& producer) {
    std::vector<float> scale, shift;
    affine.op->channelAffine(
        [&](const std::string& suffix) -> const Tensor& {
          return params.find(affine.name + "." + suffix)->value;
        },
        scale, shift);
    Tensor w = param(producer.name + ".weight");
    const int64_t channels = w.shape()[0], perChannel = w.numel() / channels;
    const bool hadBias = !producer.attrs.contains("bias") || producer.attrs["bias"].get<bool>();
    Tensor b = hadBias ? param(producer.name + ".bias") : Tensor({channels}, DType::f32);
    if (!hadBias) std::fill_n(b.data<float>(), channels, 0.f);
    for (int64_t c = 0; c < channels; ++c) {
      float* wc = w.data<float>() + c * perChannel;
      for (int64_t i = 0; i < perChannel; ++i) wc[i] *= scale[c];
      b.data<float>()[c] = b.data<float>()[c] * scale[c] + shift[c];
    }
    producer.attrs["bias"] = true;
    foldedParams[producer.name + ".weight"] = w;
    foldedParams[producer.name + ".bias"] = b;
  }

  static const OpTraits& traitsOf(const NodeSpec& n) {
    return OpRegistry::instance().find(n.op)->traits;
  }

  void visit(const GraphNode& node) {
    const NodeSpec& spec = *specByName.at(node.name);
    const std::string input = spec.inputs.empty() ? "" : spec.inputs[0];
    NodeSpec* producer = spec.inputs.size() == 1 ? emittedNode(resolve(input)) : nullptr;
    const OpTraits& traits = node.op->traits();
    if (traits.inference == InferenceForm::identity) {
      alias[node.name] = resolve(input);
      return;
    }
    const bool absorbable = producer && !hasActivation(*producer) && onlyReader(input);
    if (traits.inference == InferenceForm::foldsIntoProducer && absorbable &&
        traitsOf(*producer).absorbsFold) {
      foldAffine(node, *producer);
      alias[node.name] = producer->name;
      return;
    }
    if (traits.inference == InferenceForm::fusesIntoProducer && absorbable &&
        producer->inputs.size() <= static_cast<size_t>(traitsOf(*producer).fusedFormInputs)) {
      producer->attrs["activation"] = traits.fusedAs;
      alias[node.name] = producer->name;
      return;
    }
    NodeSpec copy = spec;
    for (auto& in : copy.inputs) in = resolve(in);
    emitted[copy.name] = out.nodes.size();
    out.nodes.push_back(std::move(copy));
  }
};

}  // namespace

InferenceModel rewriteForInference(const ModelSpec& spec, const ParameterStore& params) {
  const Graph graph = Graph::build(spec, 1);
  Rewriter r{graph, params, {}, {}, {}, {}, {}};
  for (const auto& n : spec.nodes) r.specByName[n.name] = &n;
  r.out.name = spec.name;
  r.out.inputs = spec.inputs;
  for (const GraphNode& node : graph.nodes()) r.visit(node);
  for (const auto& o : graph.outputs()) r.out.outputs.push_back(r.resolve(graph.values()[o].name));

  InferenceModel model{r.out, {}};
  for (const auto& [name, paramSpec] : Graph::build(model.spec, 1).parameters())
    model.params.add(name, paramSpec, r.param(name));
  return model;
}

}  // namespace twb
