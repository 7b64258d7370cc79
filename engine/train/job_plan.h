#pragma once

#include <string>

#include "data/dataset.h"
#include "exec/device_choice.h"
#include "exec/precision_policy.h"
#include "graph/graph.h"
#include "train/job_config.h"

namespace twb {

// What a job will do, worked out without training: its data opened, the model checked against
// it, the training graph (model + loss) at a rank's batch size, and the step counts. The trainer
// starts from it, and the node service's ValidateJob reports it as a dry run.
struct JobPlan {
  DatasetSplits data;
  Normalization normalization;
  ModelSpec trained;   // the model with its loss
  Graph graph;         // of `trained`
  std::string output;  // the model's output value (logits)
  int64_t classes = 0;
  int64_t batch = 0;  // each rank's samples a step (parallel.global_batch splits the job's batch)
  int64_t stepsPerEpoch = 0;
  int64_t totalSteps = 0;
};

// Throws twb::Error naming the field or node at fault: a dataset that cannot be opened, an input
// shape the data does not have, an output too small for the classes, a batch larger than the data.
// `open`: openDataset, or a check's DatasetFactsCache::opener().
JobPlan planJob(const JobConfig& job, const DatasetOpener& open = openDataset);

// The precision a job trains in: an int8 job trains in fp32 and quantizes its result.
Precision trainingPrecision(const JobConfig& job);

// Where a job's steps run: its "device", or where it leaves that out, the node's choice (the CPU
// for the ranks of a data-parallel job). Throws twb::Error at the field "device".
DeviceChoice chooseTrainingDevice(const JobConfig& job, const Graph& graph);

// Bytes a training run needs in this machine's memory, counted as the engine counts them when it
// starts: the parameters with their gradients and the optimizer's state, the step's values and
// gradients in the layouts its kernels choose (Executor::plannedNeed; none for a step on a GPU),
// the evaluation's values, the data held in memory and the loader's batches. Not in it: what the
// kernels make as they bind, which the engine measures then (up to 14 % of the step on the built-in
// templates).
int64_t estimateTrainingMemory(const JobPlan& plan, const JobConfig& job,
                               const DeviceChoice& device);

// The largest "batch" of `job` (as the job counts it: a rank's, or the global one with
// parallel.global_batch) below its own whose estimate fits `availableBytes`; 0 when none does.
int64_t largestBatchWithin(const JobConfig& job, const DeviceChoice& device, int64_t availableBytes,
                           const DatasetOpener& open = openDataset);

}  // namespace twb
