#pragma once

#include <atomic>
#include <string>

#include "train/event_log.h"
#include "train/job_config.h"
#include "train/training_strategy.h"

namespace twb {

struct TrainOptions {
  std::string outDir;      // checkpoints/ and model.twbm go here; empty: nothing is written
  std::string resumeFrom;  // a run folder or checkpoint file; empty: start fresh
  const std::atomic<bool>* stop = nullptr;  // set (Ctrl-C, CancelJob): checkpoint and return
  std::string tracePath;  // write profiled steps as a Chrome trace here (profiles every 50 steps
                          // when the job sets no profile cadence)
  // Data parallel: this process is one rank of the job (dist/data_parallel.h); it trains on its
  // shard of every batch, and only rank 0 writes checkpoints and the model. Null: one process.
  TrainingStrategy* strategy = nullptr;
};

enum class TrainStatus { succeeded, cancelled };

struct TrainResult {
  TrainStatus status = TrainStatus::succeeded;
  int64_t steps = 0;
  double testLoss = 0;
  double testAccuracy = 0;
  std::string modelPath;       // out/model.twbm when written
  std::string checkpointPath;  // the last checkpoint written
};

// Runs a job: builds the model, trains it for its epochs or steps, evaluates on the test split,
// writes checkpoints and the final model, and reports everything as events (docs/events.md).
// With the same seed, N steps, a stop, a resume and N more steps give the weights of 2N
// uninterrupted steps, bit for bit. A job given as an rvalue lets its model file's weights go once
// the run has its own copy of them.
TrainResult train(JobConfig job, const TrainOptions& options, EventLog& events);

}  // namespace twb
