#pragma once

#include <QJsonObject>
#include <optional>

#include "app/experiment_store.h"

namespace twb::app {

// What the Compare table shows of a finished run, worked out from its stored events:
//   train runs: "test_accuracy" (final evaluation), "samples_per_s" (mean training throughput),
//               "gflops" (the FLOP rate sustained: a profiled step's FLOPs per sample times
//               that throughput), "mode": "train", and where a step's time went, as means over
//               the logged steps: "step_ms", "data_ms", "compute_ms", "exposed_comm_ms" (data
//               parallel: the communication backward did not hide);
//   quantize runs: "test_accuracy" (int8), "samples_per_s" (int8 inference at batch 64),
//               "speedup" (over fp32 inference in the same report), "model_bytes", "mode": "infer";
//   both: "peak_memory_bytes" (the most memory its process held, said when it succeeded).
// Fields that the events do not give are absent.
QJsonObject summarizeRun(const ExperimentStore& store, qint64 runId);

// Both below read a run's state events (`store.events(runId, "state")`), which the caller reads
// once for both.

// Seconds from the start of `runId`'s training (its `running` state event) to its first evaluation
// with a test accuracy of at least `target` (0 to 1); nothing when no evaluation reached it.
std::optional<double> secondsToAccuracy(const ExperimentStore& store, qint64 runId, double target,
                                        const QList<QByteArray>& stateEvents);

// Where a run trained: its device as the engine described it ("cpu", "cuda:0 (NVIDIA H200, …)"),
// its ranks (from its step events: 1 unless data parallel) and the nodes that held them.
struct RunPlacement {
  QString device = "cpu";
  int ranks = 1;
  QStringList nodes;
  bool onGpu() const { return device.startsWith("cuda"); }
};
RunPlacement placementOf(const ExperimentStore& store, const Run& run,
                         const QList<QByteArray>& stateEvents);

// "quantize" for a run made by quantizing another, "train" otherwise.
QString runKind(const Run& run);

}  // namespace twb::app
