#include "profile/step_benchmark.h"

#include <algorithm>

#include "core/random.h"
#include "profile/synthetic_inputs.h"

namespace twb {

double StepBenchmarkResult::percentileMs(double p) const {
  if (stepMs.empty()) return 0;
  std::vector<double> sorted = stepMs;
  std::sort(sorted.begin(), sorted.end());
  const size_t i = static_cast<size_t>(p / 100.0 * (sorted.size() - 1) + 0.5);
  return sorted[std::min(i, sorted.size() - 1)];
}

double StepBenchmarkResult::samplesPerSecond() const {
  double total = 0;
  for (double ms : stepMs) total += ms;
  return total > 0 ? 1e3 * stepMs.size() * batch / total : 0;
}

double StepBenchmarkResult::gflops() const {
  const double ms = percentileMs(50);
  return ms > 0 ? flopsPerStep / (ms * 1e-3) / 1e9 : 0;
}

StepBenchmarkResult benchmarkSteps(const ModelSpec& model, const StepBenchmarkOptions& options) {
  const Graph probe = Graph::build(model, options.batch);
  const Shape outputShape = probe.values()[probe.outputs()[0]].shape;
  ParameterStore params = options.params ? *options.params : ParameterStore{};
  Graph graph = options.train
                    ? Graph::build(withLoss(model, "SoftmaxCrossEntropy", outputShape), options.batch)
                    : Graph::build(model, options.batch);
  graph.freezeNodes(options.frozen);
  params.ensure(graph, 1);
  ExecOptions execOptions{options.train ? ExecMode::train : ExecMode::infer, false,
                          options.precision, options.quant};
  execOptions.frozen = !options.train;
  execOptions.winograd = options.winograd;
  Executor exec(std::move(graph), params, execOptions);
  Random random(2);
  for (const auto& in : model.inputs)
    fillSyntheticInput(model, in.name, static_cast<float*>(exec.inputBuffer(in.name)),
                       options.batch * numel(in.shape), random);
  if (options.train) {
    auto* labels = static_cast<int32_t*>(exec.inputBuffer("label"));
    for (int64_t i = 0; i < options.batch; ++i)
      labels[i] = static_cast<int32_t>(random.below(static_cast<uint64_t>(outputShape[1])));
    exec.setGradient("loss", {1.f});
  }
  StepBenchmarkResult result;
  result.batch = options.batch;
  result.flopsPerStep = exec.flopsPerStep();
  const int64_t timed = options.warmup + options.steps;
  for (int64_t s = 0; s < timed + options.profiledSteps; ++s) {
    const bool profiled = s >= timed;
    exec.setProfiling(profiled);
    const double start = steadyMicros();
    exec.forward();
    double optimizerStart = 0;
    if (options.train) {
      exec.backward();
      optimizerStart = steadyMicros();
      if (options.update) options.update(params.all());
    }
    const double end = steadyMicros();
    if (s >= options.warmup && !profiled) result.stepMs.push_back((end - start) / 1e3);
    if (profiled) {
      StepProfile p = StepProfile::fromExecutor(exec);
      p.step = s;
      p.stepMs = (end - start) / 1e3;
      if (options.train && options.update) {
        p.optimizerStartUs = optimizerStart;
        p.optimizerMs = (end - optimizerStart) / 1e3;
      }
      result.profiles.push_back(std::move(p));
    }
  }
  return result;
}

}  // namespace twb
