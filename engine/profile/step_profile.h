#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "backend/gpu_backend.h"
#include "exec/executor.h"
#include "profile/chrome_trace.h"

namespace twb {

struct LayerProfile {
  std::string name, op, precision;
  std::string kernel;  // what computed it (NodeTiming::kernel)
  Shape output;
  int64_t parameters = 0;
  double forwardMs = 0, backwardMs = 0;
  double flops = 0;  // forward + backward
  double bytes = 0;  // one forward's inputs, output and parameters
  double startUs = 0, backwardStartUs = 0;
};

// One profiled step: every node's forward and backward time, FLOPs, achieved GFLOP/s, bytes,
// precision and share of the step, with data loading and the optimizer as rows of their own.
// The payload of a "profile" event, the table of `bench --profile` and the slices of a trace.
struct StepProfile {
  int64_t step = 0;
  double stepMs = 0;  // measured wall time of the whole step
  double dataMs = 0, dataStartUs = 0;
  double optimizerMs = 0, optimizerStartUs = 0;
  bool optimizerInForward = false;  // data parallel's deferred updates, between forward's layers
  std::vector<LayerProfile> layers;
  // Data parallel: each rank's all-reduces of the step (TrainingStrategy::stepCommunication),
  // drawn as one trace row per rank.
  nlohmann::json communication = nlohmann::json::array();

  // The executor's last profiled forward/backward as layers.
  static StepProfile fromExecutor(const Executor& exec);
  // A GPU session's profiled step (GpuSession::profiledStep) of `graph` lowered to `plan`, its
  // first forward placed at `forwardStartUs` on the profiler's clock.
  static StepProfile fromGpu(const Graph& graph, const gpu::GpuPlan& plan,
                             const std::vector<gpu::NodeTimes>& times, double forwardStartUs);
  double accountedMs() const;  // layers + data + optimizer
  nlohmann::json toJson() const;
  void appendTo(ChromeTrace& trace) const;
  // A table sorted by time, for terminals.
  std::string table() const;
};

}  // namespace twb
