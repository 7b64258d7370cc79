#pragma once

#include <algorithm>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "core/error.h"
#include "data/data_loader.h"
#include "graph/model_spec.h"
#include "io/model_file.h"
#include "train/lr_schedule.h"
#include "train/optimizer.h"

namespace twb {

// How a job is spread over processes (docs/job-file.md, "parallel"). `batch` is per rank, a
// step of N ranks training on N * batch samples, unless globalBatch splits it among them.
struct ParallelConfig {
  std::string strategy = "single";  // single | data
  std::vector<std::string> nodes;   // data: the nodes the workbench dispatches to; empty: this one
  int64_t ranksPerNode = 1;
  int64_t bucketBytes = 0;           // gradients fused per all-reduce; 0: tuned in the first steps
  std::string compression = "none";  // gradients on the wire: none | bf16 | fp16
  int64_t streams = 0;               // connections per peer; 0: tuned in the first steps
  std::string interface;             // network interface of the collectives; "": the route to rank 0
  // A node's ranks reduce through shared memory first; unset ("auto"): where /dev/shm has room.
  std::optional<bool> hierarchical;
  bool syncBatchNorm = false;        // BatchNorm normalises with the whole batch's statistics
  bool overlapForward = true;        // all-reduces also overlap the next step's forward
  double timeoutSeconds = 10;        // a rank that waits longer on a peer fails the job
  // A peer whose heartbeats go unanswered this long hangs or has lost its link: the job fails
  // naming it (dist/peer_watch.h), well before timeoutSeconds.
  double heartbeatSeconds = 3;
  // The learning rate for the ranks' larger global batch: none (optimizer.lr as it is), linear
  // (times the ranks, Goyal et al.'s rule for SGD) or sqrt (times their square root).
  std::string lrScaling = "none";
  // `batch` is the whole step's, split evenly among the ranks: a step trains on as many samples
  // whatever the ranks (strong scaling), so runs on different ranks train alike.
  bool globalBatch = false;
  bool data() const { return strategy == "data"; }
  // The samples of the job's `batch` each of `ranks` ranks trains on a step.
  int64_t rankBatch(int64_t batch, int64_t ranks) const {
    return globalBatch ? batch / ranks : batch;
  }
  // optimizer.lr is multiplied by this for `ranks` ranks.
  double lrFactor(int ranks) const;
  int64_t ranks() const {
    return data() ? std::max<int64_t>(1, static_cast<int64_t>(nodes.size())) * ranksPerNode : 1;
  }
  nlohmann::json toJson() const;
};

// One training job, the JSON document the CLI, the node service and the GUI share. Every field
// is documented in docs/job-file.md; unknown or ill-typed fields are errors naming their path.
struct JobConfig {
  std::string name = "job";
  ModelSpec model;
  std::string modelFile;  // when the model came from a .twbm or ONNX file: its initial weights
  // modelFile as it was read for `model`: a run starts from a copy of its weights (the file is
  // read once, and a job trained twice, as compare-precisions does, starts from the same).
  std::shared_ptr<const ModelFile> modelFileRead;
  // The layers held still while the rest trains ("freeze", graph/frozen_layers.h): node names.
  std::vector<std::string> frozen;
  std::string trainData = "fashion-mnist";
  std::string testData;   // empty: the test split of trainData
  std::optional<Normalization> normalization;  // empty: the dataset's default
  Augmentation augmentation;                   // training data only
  std::string precision = "fp32";  // fp32 | bf16 (exec/precision_policy.h)
  std::string loss = "SoftmaxCrossEntropy";
  OptimizerConfig optimizer;
  ScheduleConfig schedule;
  int64_t batch = 64;
  int64_t epochs = 1;
  int64_t maxSteps = 0;  // 0: no limit besides epochs
  uint64_t seed = 0;
  int64_t evalEverySteps = 0;
  bool evalEveryEpoch = true;
  int64_t evalBatch = 1000;
  int64_t checkpointEverySteps = 0;
  int64_t checkpointKeep = 3;
  int64_t logEverySteps = 10;
  int64_t profileEverySteps = 0;  // 0: no per-layer profile
  int threads = 0;  // 0: every core
  std::string device;      // cpu | cuda | cuda:N; empty: the node's GPU when it runs the model
  bool allowTf32 = false;  // GPU: fp32 matrix products on TF32 tensor cores
  bool allowWinograd = true;  // 3x3 convolutions by Winograd (ExecOptions::winograd)
  ParallelConfig parallel;
  nlohmann::json source;  // the document as given, stored with checkpoints
  std::string origin;     // the job file it was read from; empty for one sent whole (a node's)

  // An error about one of its fields, naming the file it came from: "job.json: batch: ...".
  Error aboutField(const Error& error) const {
    return origin.empty() ? error : error.within(origin);
  }

  // `baseDir` resolves relative file paths (the job file's folder).
  static JobConfig fromJson(const nlohmann::json& json, const std::string& baseDir = ".");
  // Reads and validates a job file; errors start with its path.
  // `baseDir` empty: relative paths resolve against the job file's folder.
  static JobConfig load(const std::string& path, const std::string& baseDir = "");
};

// The datasets a job names (its "dataset": train, and test when given, as JobConfig holds them,
// relative paths resolved against `baseDir`), read without the rest of the job: no model file
// loaded, no graph built.
struct JobDatasets {
  std::string train, test;
};
JobDatasets datasetsOfJob(const nlohmann::json& json, const std::string& baseDir);

// A dataset spec with the relative paths of its files resolved against `baseDir` (the job file's
// folder): "images:pets" from /jobs is "images:/jobs/pets"; specs of no file stay as they are.
std::string resolveDataset(const std::string& spec, const std::string& baseDir);
// The spec with its files' paths absolute, as a model file records its data: valid from any
// folder.
std::string absoluteDataset(const std::string& spec);

// Whether `name` names a device: "cpu", "cuda" or "cuda:N".
bool isDeviceName(const std::string& name);

// Parses JSON text, turning a syntax error into a twb::Error with the line and column.
nlohmann::json parseJsonText(const std::string& text, const std::string& origin);

}  // namespace twb
