#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exec/parameter_store.h"
#include "train/optimizer.h"

namespace twb {

// Where a run stands: resuming from it continues bit-identically.
struct TrainState {
  int64_t step = 0;          // optimizer steps done
  int64_t epoch = 0;         // current epoch, 0-based
  int64_t batchInEpoch = 0;  // batches of that epoch done
  // The step's samples over all ranks, which steps and epochs count in; 0 in a checkpoint
  // written before it was recorded.
  int64_t samplesPerStep = 0;
};

// A checkpoint is a safetensors file: "param/NAME" and "optim/NAME.STATE" tensors, with the
// state, the optimizer's step count and the job in its metadata ("format": "twb-checkpoint/1").
void saveCheckpoint(const std::string& path, const ParameterStore& params,
                    const Optimizer& optimizer, const TrainState& state,
                    const nlohmann::json& job);
// Restores parameters and optimizer state in place; errors name the file and the tensor.
TrainState loadCheckpoint(const std::string& path, ParameterStore& params, Optimizer& optimizer);

// The state a checkpoint holds, from its metadata alone.
TrainState readCheckpointState(const std::string& path);

// Throws, naming the checkpoint and both sizes, when `saved` was written by a run whose step
// took other than `batch` × `ranks` samples (another batch or number of ranks): its steps, epochs
// and learning-rate schedule count steps of its own size, so this run would not continue it.
void checkStepSizeMatches(const std::string& path, const TrainState& saved, int64_t batch,
                          int64_t ranks);

// Checks, before anything trains, the checkpoint a resume from `path` would load (the newest
// whose header reads, as a resume passes over damaged ones) against this run's step size.
void checkResumePoint(const std::string& path, int64_t batch, int64_t ranks);

// Removes all but the newest `keep` checkpoints (step-N.twbc) of a run's checkpoints folder.
void pruneCheckpoints(const std::string& dir, int64_t keep);

// A checkpoint restored, and the newer ones passed over because they did not read.
struct RestoredCheckpoint {
  std::string path;
  TrainState state;
  std::vector<std::string> passedOver;  // each newer checkpoint's error, newest first
};

// The checkpoints a resume from `path` tries: the file itself, or the checkpoints of the run
// folder's checkpoints/ (step-N.twbc), newest first. Throws, naming the folder, when there are
// none.
std::vector<std::string> checkpointsToResumeFrom(const std::string& path);

// Restores `path` when it is a checkpoint file; for a run folder, the newest checkpoint of
// DIR/checkpoints (step-N.twbc) that reads, so a damaged newest one costs the steps since the one
// before it, not the run. Throws when there is none, or the newest's error when none reads (a
// job whose model or optimizer differs fails on every one of them).
RestoredCheckpoint restoreNewestCheckpoint(const std::string& path, ParameterStore& params,
                                           Optimizer& optimizer);

}  // namespace twb
