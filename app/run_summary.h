#pragma once

#include <QJsonObject>

#include "app/experiment_store.h"

namespace twb::app {

// What the Compare table shows of a finished run, worked out from its stored events:
//   train runs: "test_accuracy" (final evaluation), "samples_per_s" (mean training throughput),
//               "mode": "train";
//   quantize runs: "test_accuracy" (int8), "samples_per_s" (int8 inference at batch 64),
//               "speedup" (over fp32 inference in the same report), "model_bytes", "mode": "infer".
// Fields that the events do not give are absent.
QJsonObject summarizeRun(const ExperimentStore& store, qint64 runId);

// "quantize" for a run made by quantizing another, "train" otherwise.
QString runKind(const Run& run);

}  // namespace twb::app
