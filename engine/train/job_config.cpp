#include "train/job_config.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "backend/cpu/cpu_kernel.h"
#include "core/error.h"
#include "core/json_object.h"
#include "data/dataset.h"
#include "graph/frozen_layers.h"
#include "graph/graph.h"
#include "graph/templates.h"
#include "io/edited_model.h"
#include "io/input_shapes.h"
#include "io/model_file.h"
#include "io/onnx_import.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
namespace fs = std::filesystem;

std::string resolve(const std::string& path, const std::string& baseDir) {
  return fs::path(path).is_absolute() ? path
                                      : (fs::path(baseDir) / path).lexically_normal().string();
}

int64_t positive(JsonObject& o, const std::string& key, int64_t fallback) {
  const int64_t v = o.integer(key, fallback);
  if (v <= 0) throw o.error(key, "must be > 0, got " + std::to_string(v));
  return v;
}

int64_t nonNegative(JsonObject& o, const std::string& key, int64_t fallback) {
  const int64_t v = o.integer(key, fallback);
  if (v < 0) throw o.error(key, "must be >= 0, got " + std::to_string(v));
  return v;
}

// An integer >= 0, or "auto" (0): a knob the data-parallel trainer tunes itself.
int64_t integerOrAuto(JsonObject& o, const std::string& key) {
  if (o.has(key) && o.raw(key).is_string()) {
    if (o.string(key) != "auto") throw o.error(key, "must be an integer or \"auto\"");
    return 0;
  }
  return nonNegative(o, key, 0);
}

ParallelConfig readParallel(JsonObject p) {
  ParallelConfig c;
  c.strategy = p.string("strategy", "single");
  if (c.strategy != "single" && c.strategy != "data")
    throw p.error("strategy", "'" + c.strategy + "' is not available in this engine version " +
                                  "(supported: single, data)");
  if (p.has("nodes")) {
    const nlohmann::json& nodes = p.raw("nodes");
    if (!nodes.is_array()) throw p.error("nodes", "must be a list of node names");
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (!nodes[i].is_string() || nodes[i].get<std::string>().empty())
        throw p.error("nodes", "entry " + std::to_string(i) + " must be a node name");
      const std::string name = nodes[i];
      if (std::count(c.nodes.begin(), c.nodes.end(), name))
        throw p.error("nodes", "'" + name + "' is listed twice (use ranks_per_node)");
      c.nodes.push_back(name);
    }
  }
  c.ranksPerNode = p.integer("ranks_per_node", 1);
  if (c.ranksPerNode < 1)
    throw p.error("ranks_per_node", "must be >= 1, got " + std::to_string(c.ranksPerNode));
  c.bucketBytes = integerOrAuto(p, "bucket_bytes");
  c.compression = p.string("compression", "none");
  if (c.compression != "none" && c.compression != "bf16" && c.compression != "fp16")
    throw p.error("compression", "'" + c.compression + "' is not one of none, bf16, fp16");
  c.streams = integerOrAuto(p, "streams");
  if (c.streams > 16) throw p.error("streams", "must be <= 16, got " + std::to_string(c.streams));
  c.interface = p.string("interface", "");
  if (p.has("hierarchical") && p.raw("hierarchical").is_string()) {
    if (p.string("hierarchical") != "auto")
      throw p.error("hierarchical", "must be true, false or \"auto\"");
  } else if (p.has("hierarchical")) {
    c.hierarchical = p.boolean("hierarchical");
  }
  c.syncBatchNorm = p.boolean("sync_batch_norm", false);
  c.overlapForward = p.boolean("overlap_forward", true);
  c.lrScaling = p.string("lr_scaling", c.lrScaling);
  if (c.lrScaling != "none" && c.lrScaling != "linear" && c.lrScaling != "sqrt")
    throw p.error("lr_scaling", "'" + c.lrScaling + "' is not one of none, linear, sqrt");
  c.globalBatch = p.boolean("global_batch", false);
  if (c.globalBatch && c.lrScaling != "none")
    throw p.error("lr_scaling",
                  "scales the learning rate for a global batch that grows with the ranks, and "
                  "with \"global_batch\": true it stays the job's batch: leave lr_scaling out");
  c.timeoutSeconds = p.number("timeout_s", c.timeoutSeconds);
  if (!(c.timeoutSeconds >= 1 && c.timeoutSeconds <= 3600))
    throw p.badValue("timeout_s", "must be between 1 and 3600 seconds");
  c.heartbeatSeconds = p.number("heartbeat_s", c.heartbeatSeconds);
  if (!(c.heartbeatSeconds >= 0.5 && c.heartbeatSeconds <= 3600))
    throw p.badValue("heartbeat_s", "must be between 0.5 and 3600 seconds");
  if (!c.data())
    for (const char* key : {"nodes", "ranks_per_node", "bucket_bytes", "compression", "streams",
                            "interface", "hierarchical", "sync_batch_norm", "overlap_forward",
                            "timeout_s", "heartbeat_s", "lr_scaling", "global_batch"})
      if (p.has(key)) throw p.error(key, "only applies to \"strategy\": \"data\"");
  p.rejectUnknown();
  return c;
}

void readModel(JsonObject m, JobConfig& job, const std::string& baseDir) {
  const int sources = m.has("template") + m.has("file") + m.has("spec");
  if (sources == 0) m.rejectMisspelt();  // "templat" is named as such
  if (sources != 1) throw Error("model: give exactly one of \"template\", \"file\" or \"spec\"");
  if (m.has("template")) {
    const std::string name = m.string("template");
    const nlohmann::json args = m.has("args") ? m.raw("args") : nlohmann::json::object();
    try {
      job.model = makeTemplate(name, args, "model.args");
    } catch (const Error& e) {
      throw std::string(e.what()).rfind("model.", 0) == 0 ? e : e.within("model.template");
    }
  } else if (m.has("file")) {
    job.modelFile = resolve(m.string("file"), baseDir);
    const std::map<std::string, Shape> inputShapes = readInputShapes(m);
    try {
      job.modelFileRead =
          std::make_shared<const ModelFile>(loadModelOrOnnx(job.modelFile, inputShapes));
      job.model = job.modelFileRead->spec;
    } catch (const FreeInputSizes& e) {
      throw missingInputShapes(e);
    } catch (const Error& e) {
      throw e.within("model.file");
    }
  } else {
    job.model = ModelSpec::fromJson(m.raw("spec"), "model.spec");
  }
  if (m.has("input_shape") && !m.has("file"))
    throw m.error("input_shape", "gives the sizes a model file leaves free: it needs \"file\"");
  m.rejectUnknown();
  try {
    Graph::build(job.model, 1);  // unknown ops, cycles and shape mismatches surface here
  } catch (const Error& e) {
    throw e.within("model");
  }
}

void readDataset(JsonObject& o, JobConfig& job, const std::string& baseDir) {
  if (!o.has("dataset")) return;
  const auto& d = o.raw("dataset");
  if (d.is_string()) {
    job.trainData = resolveDataset(d.get<std::string>(), baseDir);
    return;
  }
  JsonObject ds(d, "dataset");
  job.trainData = resolveDataset(ds.string("train"), baseDir);
  if (ds.has("test")) job.testData = resolveDataset(ds.string("test"), baseDir);
  if (ds.has("normalize")) {
    const auto& n = ds.raw("normalize");
    if (n.is_boolean()) {
      if (!n.get<bool>()) job.normalization = Normalization{};
    } else {
      job.normalization = normalizationFromJson(n, "dataset.normalize");
    }
  }
  if (ds.has("augment")) {
    JsonObject a = ds.object("augment");
    job.augmentation.cropPadding = nonNegative(a, "crop_padding", 0);
    job.augmentation.flip = a.boolean("flip", false);
    a.rejectUnknown();
  }
  ds.rejectUnknown();
}

void readOptimizer(JsonObject o, OptimizerConfig& opt) {
  opt.type = o.string("type", opt.type);
  if (opt.type != "sgd" && opt.type != "adam" && opt.type != "adamw")
    throw o.error("type", "unknown optimizer '" + opt.type + "' (expected sgd, adam or adamw)");
  opt.lr = o.number("lr", opt.lr);
  if (!(opt.lr > 0)) throw o.badValue("lr", "must be > 0");
  opt.weightDecay = o.number("weight_decay", 0.0);
  if (opt.weightDecay < 0) throw o.badValue("weight_decay", "must be >= 0");
  if (opt.type == "sgd") {
    opt.momentum = o.number("momentum", 0.0);
    if (opt.momentum < 0 || opt.momentum >= 1)
      throw o.badValue("momentum", "must be within [0, 1)");
    opt.nesterov = o.boolean("nesterov", false);
    if (opt.nesterov && opt.momentum == 0) throw o.error("nesterov", "needs momentum > 0");
    o.readOnlyWith({"beta1", "beta2", "eps"}, "\"type\": \"adam\" or \"adamw\"");
  } else {
    o.readOnlyWith({"momentum", "nesterov"}, "\"type\": \"sgd\"");
    opt.beta1 = o.number("beta1", opt.beta1);
    opt.beta2 = o.number("beta2", opt.beta2);
    opt.eps = o.number("eps", opt.eps);
    for (const char* k : {"beta1", "beta2"}) {
      const double b = std::string(k) == "beta1" ? opt.beta1 : opt.beta2;
      if (b < 0 || b >= 1) throw o.badValue(k, "must be within [0, 1)");
    }
    if (!(opt.eps > 0)) throw o.badValue("eps", "must be > 0");
  }
  o.rejectUnknown();
}

void readSchedule(JsonObject o, ScheduleConfig& s) {
  s.type = o.string("type", s.type);
  if (s.type != "constant" && s.type != "step" && s.type != "cosine")
    throw o.error("type", "unknown schedule '" + s.type + "' (expected constant, step or cosine)");
  s.warmupSteps = nonNegative(o, "warmup_steps", 0);
  if (s.type == "step") {
    s.stepSize = positive(o, "step_size", s.stepSize);
    s.gamma = o.number("gamma", s.gamma);
    if (!(s.gamma > 0)) throw o.badValue("gamma", "must be > 0");
  }
  if (s.type == "cosine") {
    s.minLr = o.number("min_lr", 0.0);
    if (s.minLr < 0) throw o.badValue("min_lr", "must be >= 0");
  }
  o.readOnlyWith({"step_size", "gamma"}, "\"type\": \"step\"");
  o.readOnlyWith({"min_lr"}, "\"type\": \"cosine\"");
  o.rejectUnknown();
}
}  // namespace

std::string resolveDataset(const std::string& spec, const std::string& baseDir) {
  return mapDatasetPaths(spec, [&](const std::string& path) { return resolve(path, baseDir); });
}

std::string absoluteDataset(const std::string& spec) {
  return resolveDataset(spec, fs::current_path().string());
}

nlohmann::json parseJsonText(const std::string& text, const std::string& origin) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    // Turn the byte offset into a line and column a person can find.
    size_t line = 1, column = 1;
    for (size_t i = 0; i + 1 < e.byte && i < text.size(); ++i) {
      if (text[i] == '\n')
        ++line, column = 1;
      else
        ++column;
    }
    throw Error(origin + ":" + std::to_string(line) + ":" + std::to_string(column) +
                ": not valid JSON (" +
                std::string(e.what()).substr(std::string(e.what()).find(':') + 2) + ")");
  } catch (const nlohmann::json::exception& e) {  // a number too large for any type
    throw Error(origin + ": not valid JSON (" +
                std::string(e.what()).substr(std::string(e.what()).find(']') + 2) + ")");
  }
}

JobConfig JobConfig::fromJson(const nlohmann::json& json, const std::string& baseDir) {
  JobConfig job;
  job.source = json;
  if (json.is_object() && json.contains("sweep"))
    throw Error(
        "sweep: this job file is a sweep of several jobs; run its trials with "
        "`twb-engine client --node ADDRESS sweep FILE` (docs/sweeps.md)");
  JsonObject o(json, "");
  job.name = o.string("name", job.name);
  readModel(o.object("model"), job, baseDir);
  if (o.has("freeze"))
    job.frozen = frozenLayers(job.model, Graph::build(job.model, 1), o.strings("freeze"));
  readDataset(o, job, baseDir);
  job.device = o.string("device", "");
  if (!job.device.empty() && !isDeviceName(job.device))
    throw o.error("device", "'" + job.device + "' is not a device (expected cpu, cuda or cuda:N)");
  job.allowTf32 = o.boolean("allow_tf32", false);
  job.allowWinograd = o.boolean("allow_winograd", true);
  job.precision = o.string("precision", job.precision);
  if (job.precision != "fp32" && job.precision != "bf16" && job.precision != "int8")
    throw o.error("precision", "'" + job.precision + "' is not available in this engine " +
                                   "version (supported: fp32, bf16, int8)");
  // A GPU job's bf16 runs on the GPU (checked when the job picks its device).
  const bool onGpu = job.device.rfind("cuda", 0) == 0;
  if (job.precision == "bf16" && !onGpu && !bf16Unavailable().empty())
    throw o.error("precision", "bf16 is not available on this node: " + bf16Unavailable() +
                                   "; use fp32, or int8 for inference");
  job.loss = o.string("loss", job.loss);
  if (!isLoss(job.loss))
    throw o.error("loss", "unknown loss '" + job.loss + "' (expected " + lossNames() + ")");
  if (o.has("optimizer")) readOptimizer(o.object("optimizer"), job.optimizer);
  if (o.has("schedule")) readSchedule(o.object("schedule"), job.schedule);
  job.batch = positive(o, "batch", job.batch);
  job.epochs = nonNegative(o, "epochs", job.epochs);
  job.maxSteps = nonNegative(o, "max_steps", 0);
  if (job.epochs == 0 && job.maxSteps == 0)
    throw o.error("epochs", "is 0 and so is max_steps: set either to train");
  const int64_t seed = nonNegative(o, "seed", 0);
  job.seed = static_cast<uint64_t>(seed);
  if (o.has("eval")) {
    JsonObject e = o.object("eval");
    job.evalEverySteps = nonNegative(e, "every_steps", 0);
    job.evalEveryEpoch = e.boolean("every_epoch", true);
    job.evalBatch = positive(e, "batch", job.evalBatch);
    e.rejectUnknown();
  }
  if (o.has("checkpoint")) {
    JsonObject c = o.object("checkpoint");
    job.checkpointEverySteps = nonNegative(c, "every_steps", 0);
    job.checkpointKeep = positive(c, "keep", job.checkpointKeep);
    c.rejectUnknown();
  }
  job.logEverySteps = positive(o, "log_every_steps", job.logEverySteps);
  if (o.has("profile")) {
    JsonObject p = o.object("profile");
    job.profileEverySteps = nonNegative(p, "every_steps", 0);
    p.rejectUnknown();
  }
  job.threads = static_cast<int>(nonNegative(o, "threads", 0));
  if (o.has("parallel")) job.parallel = readParallel(o.object("parallel"));
  // What trains on CPUs only in this engine version is refused on a GPU, at the device.
  const auto onCpusOnly = [&](const std::string& what) {
    return o.error("device", what +
                                 " runs on CPUs in this engine version; use \"cpu\", or leave "
                                 "the device out (the node then trains on its CPU)");
  };
  if (job.parallel.data() && onGpu) throw onCpusOnly("data-parallel training");
  if (!job.frozen.empty() && onGpu) throw onCpusOnly("training with frozen layers (\"freeze\")");
  o.rejectUnknown();
  return job;
}

bool isDeviceName(const std::string& name) {
  if (name == "cpu" || name == "cuda") return true;
  if (name.rfind("cuda:", 0) != 0 || name.size() == 5 || name.size() > 8) return false;
  return std::all_of(name.begin() + 5, name.end(), [](char c) { return c >= '0' && c <= '9'; });
}

nlohmann::json ParallelConfig::toJson() const {
  if (!data()) return {{"strategy", strategy}};
  return {{"strategy", strategy},
          {"nodes", nodes},
          {"ranks_per_node", ranksPerNode},
          {"bucket_bytes", bucketBytes},
          {"compression", compression},
          {"streams", streams},
          {"interface", interface},
          {"hierarchical", hierarchical ? nlohmann::json(*hierarchical) : nlohmann::json("auto")},
          {"sync_batch_norm", syncBatchNorm},
          {"overlap_forward", overlapForward},
          {"timeout_s", timeoutSeconds},
          {"heartbeat_s", heartbeatSeconds},
          {"lr_scaling", lrScaling},
          {"global_batch", globalBatch}};
}

double ParallelConfig::lrFactor(int ranks) const {
  if (lrScaling == "linear") return ranks;
  if (lrScaling == "sqrt") return std::sqrt(static_cast<double>(ranks));
  return 1;
}

JobDatasets datasetsOfJob(const nlohmann::json& json, const std::string& baseDir) {
  JobConfig job;
  JsonObject o(json, "");
  readDataset(o, job, baseDir);
  return {job.trainData, job.testData};
}

JobConfig JobConfig::load(const std::string& path, const std::string& baseDir) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open the job file");
  std::stringstream text;
  text << in.rdbuf();
  const nlohmann::json json = parseJsonText(text.str(), path);
  try {
    const std::string fileFolder = fs::path(path).parent_path().string();
    JobConfig job = fromJson(json, !baseDir.empty()     ? baseDir
                                   : fileFolder.empty() ? "."
                                                        : fileFolder);
    job.origin = path;
    return job;
  } catch (const Error& e) {
    throw e.within(path);
  }
}

}  // namespace twb
