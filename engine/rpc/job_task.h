#pragma once

#include <atomic>
#include <nlohmann/json.hpp>
#include <string>

#include "data/dataset_facts.h"
#include "rpc/job_record.h"
#include "train/job_config.h"

namespace twb {

// What a job's task.json asks its worker to do (docs/protocol.md):
//   {"kind": "train", "job": {...job file...}, "resume_from": RUN FOLDER (optional),
//    "placement": {"first_rank": R, "rendezvous": "HOST[:PORT]", "secret": HEX} (a job across
//    nodes only)}
//   {"kind": "quantize", "model": PATH, "calibration": DATASET, "samples": N, "observer": ...,
//    "scheme": ..., "window": K, "max_drop": P (optional)}
//   {"kind": "export", "model": PATH, "format": "onnx"}
// Relative paths resolve in the job's folder, where the files sent with the job were written.

// Checks a task before it is queued — a training job by a dry run (its data opened, its model
// checked against it) — and returns the job's own name (empty for quantize and export). Throws
// twb::Error naming the bad field ("job: batch", "model", "observer") so the node answers
// INVALID_ARGUMENT instead of queueing a job that would fail. `datasets`: the node's, so that a
// check reads data it read before only when its files changed.
std::string validateJobTask(const nlohmann::json& task, const std::string& folder,
                            DatasetFactsCache& datasets);

// The parallel side of a training job as this node would run it; `placement` (null when absent)
// is this node's share of a job across nodes. Checks the interface, that only a job across nodes
// has (and needs) a placement, its first rank and secret, and that this node can listen at the
// rendezvous host (the first node) or has a route to it (the others).
void checkParallelPlacement(const JobConfig& job, const nlohmann::json& placement);

// Runs the task of `folder` in this process (the worker), reporting every step through the
// folder's events log and writing artifacts to its out/ folder. Ends with a state event:
// succeeded, failed (with the reason) or cancelled (when `stop` was set).
void runJobTask(const JobFolder& folder, const std::atomic<bool>* stop);

}  // namespace twb
