#pragma once

#include <string>

#include "data/dataset.h"
#include "graph/graph.h"
#include "train/job_config.h"

namespace twb {

// What a job will do, worked out without training: its data opened, the model checked against
// it, the training graph (model + loss) at a rank's batch size, and the step counts. The trainer
// starts from it, and the node service's ValidateJob reports it as a dry run.
struct JobPlan {
  DatasetSplits data;
  Normalization normalization;
  Graph graph;
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

// Bytes a training run needs, estimated: parameters with their gradients and optimizer state
// (fp32 master copies), every activation of a step with its gradient, and the evaluation's
// values.
int64_t estimateTrainingMemory(const JobPlan& plan, const JobConfig& job);

}  // namespace twb
