#include "exec/gpu_executor.h"

#include <algorithm>

#include "core/error.h"
#include "exec/gpu_loader.h"
#include "exec/gradient_values.h"

namespace twb {

gpu::GpuPlan GpuExecutor::lower(const Graph& graph, const GpuExecOptions& options) {
  gpu::GpuPlan plan;
  plan.device = options.device;
  plan.training = options.training;
  plan.allowTf32 = options.allowTf32;
  plan.cudaGraph = options.cudaGraph;
  plan.logits = options.logits;
  const bool hasLoss = std::any_of(graph.values().begin(), graph.values().end(),
                                   [](const GraphValue& v) { return v.name == "loss"; });
  plan.loss = options.training && hasLoss ? "loss" : "";
  const OptimizerConfig& o = options.optimizer;
  plan.optimizer = {o.type,
                    static_cast<float>(o.momentum),
                    static_cast<float>(o.weightDecay),
                    static_cast<float>(o.beta1),
                    static_cast<float>(o.beta2),
                    static_cast<float>(o.eps),
                    o.nesterov};

  const std::vector<bool> gradient =
      gradientValues(graph, options.training, options.inputGradients);
  std::vector<DType> types(graph.values().size(), DType::f32);
  for (size_t v = 0; v < graph.values().size(); ++v) types[v] = graph.values()[v].dtype;
  // The CPU executor's rules (exec/precision_policy.h): each node computes in its op's type
  // under the run precision, layout-only ops follow their input, logits stay f32.
  const auto& outputs = graph.outputs();
  for (const GraphNode& node : graph.nodes()) {
    const OpPrecision precision = opPrecision(node.opName, options.precision);
    const DType compute = precision.followsInput ? types[node.inputs[0]] : precision.compute;
    const bool isOutput = std::find(outputs.begin(), outputs.end(), node.output) != outputs.end();
    types[node.output] = outputType(node.opName, compute, isOutput);
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
  upload(params, nullptr);
}

void GpuExecutor::upload(const ParameterStore& params, Optimizer* optimizer) {
  std::vector<const float*> values, state;
  for (const gpu::PlanParam& p : m_plan.params)
    values.push_back(params.at(p.name).value.data<float>());
  if (optimizer && !optimizer->state().empty()) {
    if (optimizer->state().size() !=
        optimizer->stateSuffixes().size() *
            static_cast<size_t>(std::count_if(m_plan.params.begin(), m_plan.params.end(),
                                              [](auto& p) { return p.trainable; })))
      throw Error("the optimizer state does not match the model's trainable parameters");
    for (auto& [name, tensor] : optimizer->state()) state.push_back(tensor.data<float>());
  }
  m_session->upload(values, state, optimizer ? optimizer->steps() : 0);
}

void GpuExecutor::download(ParameterStore& params, Optimizer* optimizer) {
  std::vector<float*> values, state;
  for (const gpu::PlanParam& p : m_plan.params)
    values.push_back(params.at(p.name).value.data<float>());
  if (optimizer) {
    optimizer->ensureState(params.all());
    for (auto& [name, tensor] : optimizer->state()) state.push_back(tensor.data<float>());
  }
  m_session->download(values, state);
  if (optimizer) optimizer->setSteps(m_session->optimizerSteps());
}

}  // namespace twb
