#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "exec/parameter_store.h"
#include "train/optimizer.h"

namespace twb {

// Where a run stands: resuming from it continues bit-identically.
struct TrainState {
  int64_t step = 0;          // optimizer steps done
  int64_t epoch = 0;         // current epoch, 0-based
  int64_t batchInEpoch = 0;  // batches of that epoch done
};

// A checkpoint is a safetensors file: "param/NAME" and "optim/NAME.STATE" tensors, with the
// state, the optimizer's step count and the job in its metadata ("format": "twb-checkpoint/1").
void saveCheckpoint(const std::string& path, const ParameterStore& params,
                    const Optimizer& optimizer, const TrainState& state,
                    const nlohmann::json& job);
// Restores parameters and optimizer state in place; errors name the file and the tensor.
TrainState loadCheckpoint(const std::string& path, ParameterStore& params, Optimizer& optimizer);

// The newest checkpoint of a run folder (DIR/checkpoints/step-N.twbc), or `path` itself when it
// is a checkpoint file. Throws when there is none.
std::string findLatestCheckpoint(const std::string& path);

}  // namespace twb
