#include "exec/gpu_executor.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "exec/gpu_loader.h"
#include "exec/gradient_values.h"

namespace twb {

bool channelsLastFor(const Graph& graph, Precision precision, bool allowTf32) {
  if (precision != Precision::bf16 && !allowTf32) return false;
  // The ops whose CUDA kernels read and write images in either layout.
  static const std::set<std::string> imageOps{
      "Conv2d", "BatchNorm2d", "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "Add", "Flatten"};
  auto image = [&](int v) { return graph.values()[v].shape.size() == 4; };
  return std::all_of(graph.nodes().begin(), graph.nodes().end(), [&](const GraphNode& node) {
    const bool touchesImages =
        image(node.output) || std::any_of(node.inputs.begin(), node.inputs.end(), image);
    return !touchesImages || node.op->traits().elementwise || imageOps.count(node.opName) > 0;
  });
}

gpu::GpuPlan GpuExecutor::lower(const Graph& graph, const GpuExecOptions& options) {
  gpu::GpuPlan plan;
  plan.device = options.device;
  plan.training = options.training;
  plan.allowTf32 = options.allowTf32;
  plan.allowWinograd = options.allowWinograd;
  plan.cudaGraph = options.cudaGraph;
  plan.channelsLast = options.channelsLast;
  plan.deterministic = options.deterministic;
  plan.algorithmCache = options.algorithmCache;
  plan.logits = options.logits;
  const bool hasLoss = std::any_of(graph.values().begin(), graph.values().end(),
                                   [](const GraphValue& v) { return v.name == "loss"; });
  plan.loss = options.training && hasLoss ? "loss" : "";
  plan.optimizer = options.optimizer;

  const std::vector<bool> gradient =
      gradientValues(graph, options.training, options.inputGradients);
  std::vector<DType> types(graph.values().size(), DType::f32);
  for (size_t v = 0; v < graph.values().size(); ++v) types[v] = graph.values()[v].dtype;
  // The CPU executor's rules (exec/precision_policy.h): each node computes in its op's type
  // under the run precision, layout-only ops follow their input, logits stay f32.
  const auto& outputs = graph.outputs();
  for (const GraphNode& node : graph.nodes()) {
    const OpPrecision precision = opPrecision(node.op->traits(), options.precision);
    const DType compute = precision.followsInput ? types[node.inputs[0]] : precision.compute;
    const bool isOutput = std::find(outputs.begin(), outputs.end(), node.output) != outputs.end();
    types[node.output] = outputType(node.op->traits(), compute, isOutput);
    gpu::PlanNode lowered{node.name,   node.opName, node.op->attrs().json(), node.inputs,
                          node.output, {},          compute == DType::bf16};
    for (const ParamSpec& spec : node.params) {
      lowered.params.push_back(static_cast<int>(plan.params.size()));
      plan.params.push_back({node.name + "." + spec.suffix, spec.shape, spec.trainable});
    }
    plan.nodes.push_back(std::move(lowered));
  }
  for (size_t v = 0; v < graph.values().size(); ++v) {
    const GraphValue& value = graph.values()[v];
    plan.values.push_back({value.name, value.shape, value.dtype == DType::s32,
                           types[v] == DType::bf16, static_cast<bool>(gradient[v])});
  }
  plan.inputs = graph.inputs();
  return plan;
}

GpuExecutor::GpuExecutor(const Graph& graph, const ParameterStore& params, GpuExecOptions options)
    : m_plan(lower(graph, options)) {
  m_session = gpuBackend().compile(m_plan);
  upload(params);
}

void GpuExecutor::upload(const ParameterStore& params, const std::vector<const float*>& state,
                         int64_t steps) {
  std::vector<const float*> values;
  for (const gpu::PlanParam& p : m_plan.params)
    values.push_back(params.at(p.name).value.data<float>());
  const auto trainable = std::count_if(m_plan.params.begin(), m_plan.params.end(),
                                       [](const gpu::PlanParam& p) { return p.trainable; });
  if (!state.empty() &&
      state.size() != static_cast<size_t>(trainable * m_session->stateTensorsPerParam()))
    throw Error("the optimizer state holds " + std::to_string(state.size()) +
                " tensors, the model's trainable parameters need " +
                std::to_string(trainable * m_session->stateTensorsPerParam()));
  m_session->upload(values, state, steps);
}

void GpuExecutor::download(ParameterStore& params, const std::vector<float*>& state) {
  std::vector<float*> values;
  for (const gpu::PlanParam& p : m_plan.params)
    values.push_back(params.at(p.name).value.data<float>());
  m_session->download(values, state);
}

}  // namespace twb
