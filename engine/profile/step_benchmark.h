#pragma once

#include <functional>
#include <string>
#include <vector>

#include "exec/executor.h"
#include "profile/step_profile.h"

namespace twb {

struct StepBenchmarkOptions {
  int64_t batch = 128;
  int64_t warmup = 10;
  int64_t steps = 50;
  bool train = true;  // forward + backward + update; false: forward only
  Precision precision = Precision::fp32;
  int64_t profiledSteps = 0;  // extra steps timed per node after the timed ones
  const ParameterStore* params = nullptr;  // the model's weights; null: freshly initialised
  const QuantPlan* quant = nullptr;        // int8 inference: the calibrated plan
  // Training: the weight update each step ends with (the caller's optimizer; profile/ sits
  // below train/). Empty: steps end after backward.
  std::function<void(std::vector<Parameter>&)> update;
  bool winograd = true;  // ExecOptions::winograd
  std::vector<std::string> frozen = {};  // training: the nodes held still (a job's "freeze")
};

struct StepBenchmarkResult {
  std::vector<double> stepMs;  // one per timed step
  int64_t batch = 0;
  double flopsPerStep = 0;     // the work the executor performs (Executor::flopsPerStep)
  double samplesPerSecond() const;
  double percentileMs(double p) const;  // p in [0, 100]
  double gflops() const;                // at the median step time
  std::vector<StepProfile> profiles;    // one per profiled step
};

// Times training (or inference) steps of a model on fixed random inputs, so only the engine is
// measured: no data loading, no events.
StepBenchmarkResult benchmarkSteps(const ModelSpec& model, const StepBenchmarkOptions& options);

}  // namespace twb
