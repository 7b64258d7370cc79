#include "profile/step_profile.h"

#include <algorithm>
#include <cstdio>

namespace twb {

StepProfile StepProfile::fromExecutor(const Executor& exec) {
  StepProfile p;
  const Graph& g = exec.graph();
  for (size_t n = 0; n < g.nodes().size(); ++n) {
    const GraphNode& node = g.nodes()[n];
    const NodeTiming& t = exec.nodeTimings()[n];
    LayerProfile l;
    l.name = node.name;
    l.op = node.opName;
    l.precision = dtypeName(t.compute);
    l.kernel = t.kernel;
    l.output = g.values()[node.output].shape;
    for (const auto& param : node.params)
      if (param.trainable || param.frozen) l.parameters += numel(param.shape);
    l.forwardMs = t.forwardMs;
    l.backwardMs = t.backwardMs;
    l.flops = t.forwardFlops + t.backwardFlops;
    l.bytes = t.bytes;
    l.startUs = t.forwardStartUs;
    l.backwardStartUs = t.backwardStartUs;
    p.layers.push_back(l);
  }
  return p;
}

StepProfile StepProfile::fromGpu(const Graph& graph, const gpu::GpuPlan& plan,
                                 const std::vector<gpu::NodeTimes>& times, double forwardStartUs) {
  StepProfile p;
  auto bytesOf = [&](int v) {
    return static_cast<double>(numel(plan.values[v].shape)) * (plan.values[v].bf16 ? 2 : 4);
  };
  for (size_t n = 0; n < graph.nodes().size(); ++n) {
    const GraphNode& node = graph.nodes()[n];
    const gpu::PlanNode& lowered = plan.nodes[n];
    const gpu::NodeTimes& t = times[n];
    LayerProfile l;
    l.name = node.name;
    l.op = node.opName;
    l.precision = lowered.bf16 ? "bf16" : "f32";
    l.kernel = t.implementation;
    l.output = graph.values()[node.output].shape;
    bool trainable = false;
    l.bytes = bytesOf(lowered.output);
    for (int v : lowered.inputs) l.bytes += bytesOf(v);
    for (const auto& param : node.params) {
      l.bytes += static_cast<double>(numel(param.shape)) * (lowered.bf16 ? 2 : 4);
      if (param.trainable) l.parameters += numel(param.shape), trainable = true;
    }
    // As the CPU executor counts: backward repeats forward's work once per gradient it makes.
    bool inputGradient = false;
    for (int v : lowered.inputs) inputGradient = inputGradient || plan.values[v].gradient;
    const bool backward = plan.values[lowered.output].gradient;
    l.flops = node.forwardFlops * (1 + (backward ? trainable + inputGradient : 0));
    l.forwardMs = t.forwardMs;
    l.backwardMs = t.backwardMs;
    l.startUs = forwardStartUs + 1e3 * t.forwardStartMs;
    l.backwardStartUs = forwardStartUs + 1e3 * t.backwardStartMs;
    p.layers.push_back(l);
  }
  return p;
}

double StepProfile::accountedMs() const {
  double ms = dataMs + optimizerMs;
  for (const auto& l : layers) ms += l.forwardMs + l.backwardMs;
  return ms;
}

nlohmann::json StepProfile::toJson() const {
  nlohmann::json layersJson = nlohmann::json::array();
  for (const auto& l : layers) {
    const double ms = l.forwardMs + l.backwardMs;
    layersJson.push_back({{"name", l.name},
                          {"op", l.op},
                          {"precision", l.precision},
                          {"kernel", l.kernel},
                          {"output_shape", l.output},
                          {"parameters", l.parameters},
                          {"forward_ms", l.forwardMs},
                          {"backward_ms", l.backwardMs},
                          {"flops", l.flops},
                          {"gflops", ms > 0 ? l.flops / ms / 1e6 : 0.0},
                          {"bytes", l.bytes},
                          {"share", stepMs > 0 ? ms / stepMs : 0.0}});
  }
  return {{"step", step},
          {"step_ms", stepMs},
          {"accounted_ms", accountedMs()},
          {"data_ms", dataMs},
          {"optimizer_ms", optimizerMs},
          {"optimizer_in_forward", optimizerInForward},
          {"layers", layersJson},
          {"comm", communication}};
}

void StepProfile::appendTo(ChromeTrace& trace) const {
  const nlohmann::json stepArgs = {{"step", step}};
  if (dataMs > 0) trace.addSlice("data", "data", dataStartUs, dataMs * 1e3, 2, stepArgs);
  for (const auto& l : layers) {
    nlohmann::json args = {{"step", step}, {"op", l.op}, {"precision", l.precision}};
    if (!l.kernel.empty()) args["kernel"] = l.kernel;  // oneDNN's, cuDNN's algorithm, ...
    trace.addSlice(l.name, "forward", l.startUs, l.forwardMs * 1e3, 1, args);
    if (l.backwardMs > 0)
      trace.addSlice(l.name + " (backward)", "backward", l.backwardStartUs, l.backwardMs * 1e3, 1,
                     args);
  }
  // Updates spread between forward's layers are summed into one slice, on the data row.
  if (optimizerMs > 0)
    trace.addSlice("optimizer", "optimizer", optimizerStartUs, optimizerMs * 1e3,
                   optimizerInForward ? 2 : 1, stepArgs);
  for (const auto& c : communication) {
    const int rank = c.value("rank", 0);
    trace.addSlice("all-reduce, bucket " + std::to_string(c.value("bucket", 0)), "communication",
                   dataStartUs + c.value("start_ms", 0.0) * 1e3, c.value("ms", 0.0) * 1e3,
                   kFirstCommunicationRow + rank,
                   {{"step", step}, {"rank", rank}, {"bytes", c.value("bytes", 0.0)}});
  }
}

std::string StepProfile::table() const {
  std::vector<const LayerProfile*> sorted;
  for (const auto& l : layers) sorted.push_back(&l);
  std::sort(sorted.begin(), sorted.end(), [](const LayerProfile* a, const LayerProfile* b) {
    return a->forwardMs + a->backwardMs > b->forwardMs + b->backwardMs;
  });
  // The name column is as wide as the longest name: imported models' names run long, and two
  // cut to one width could read the same.
  int nameWidth = 22;
  for (const auto& l : layers) nameWidth = std::max(nameWidth, static_cast<int>(l.name.size()));
  std::string out;
  char line[1024];
  std::snprintf(line, sizeof line, "  %-*s %-20s %-5s %9s %9s %7s %9s  %-18s %s\n", nameWidth,
                "layer", "op", "type", "fwd ms", "bwd ms", "share", "GFLOP/s", "output", "kernel");
  out += line;
  auto row = [&](const std::string& name, const std::string& op, const std::string& type,
                 double fwd, double bwd, double flops, const std::string& shape,
                 const std::string& kernel) {
    const double ms = fwd + bwd;
    std::snprintf(line, sizeof line, "  %-*s %-20s %-5s %9.3f %9.3f %6.1f%% %9.1f  %-18s %s\n",
                  nameWidth, name.c_str(), op.substr(0, 20).c_str(), type.c_str(), fwd, bwd,
                  stepMs > 0 ? 100 * ms / stepMs : 0.0, ms > 0 ? flops / ms / 1e6 : 0.0,
                  shape.c_str(), kernel.substr(0, 40).c_str());
    out += line;
  };
  for (const auto* l : sorted)
    row(l->name, l->op, l->precision, l->forwardMs, l->backwardMs, l->flops, toString(l->output),
        l->kernel);
  if (optimizerMs > 0) row("(optimizer)", "", "f32", optimizerMs, 0, 0, "", "");
  if (dataMs > 0) row("(data)", "", "", dataMs, 0, 0, "", "");
  std::snprintf(line, sizeof line, "  rows add up to %.3f ms of the measured %.3f ms step\n",
                accountedMs(), stepMs);
  return out + line;
}

}  // namespace twb
