#include "rpc/job_task.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/available_memory.h"
#include "core/error.h"
#include "core/file_writing.h"
#include "data/dataset.h"
#include "dist/data_parallel.h"
#include "dist/local_ranks.h"
#include "dist/rendezvous.h"
#include "exec/device_choice.h"
#include "io/model_file.h"
#include "io/onnx_export.h"
#include "quant/calibrator.h"
#include "rpc/event_log_reader.h"
#include "train/checkpoint.h"
#include "train/job_plan.h"
#include "train/quantizer.h"
#include "train/trainer.h"

namespace twb {

namespace fs = std::filesystem;

namespace {
std::string resolve(const std::string& path, const std::string& folder) {
  return fs::path(path).is_absolute() ? path : folder + "/" + path;
}

std::string requiredString(const nlohmann::json& task, const char* field) {
  if (!task.contains(field) || !task[field].is_string() || task[field].get<std::string>().empty())
    throw Error(std::string(field) + ": required, a non-empty string");
  return task[field].get<std::string>();
}

void checkModelFile(const nlohmann::json& task, const std::string& folder) {
  const std::string model = resolve(requiredString(task, "model"), folder);
  if (!fs::is_regular_file(model)) throw Error("model: " + model + " does not exist");
}

QuantizeOptions quantizeOptions(const nlohmann::json& task) {
  QuantizeOptions options;
  options.calibration.samples = task.value("samples", int64_t{512});
  options.calibration.observer = task.value("observer", "percentile");
  options.calibration.scheme = task.value("scheme", "per-channel");
  options.calibration.window = task.value("window", int64_t{8});
  if (task.contains("max_drop") && !task["max_drop"].is_null())
    options.maxDrop = task["max_drop"].get<double>();
  if (options.calibration.samples < 1) throw Error("samples: must be >= 1");
  if (options.calibration.window < 1) throw Error("window: must be >= 1");
  const std::string& observer = options.calibration.observer;
  if (std::find(kObserverNames.begin(), kObserverNames.end(), observer) == kObserverNames.end())
    throw Error("observer: '" + observer + "' is not minmax, percentile or entropy");
  const std::string& scheme = options.calibration.scheme;
  if (std::find(kSchemeNames.begin(), kSchemeNames.end(), scheme) == kSchemeNames.end())
    throw Error("scheme: '" + scheme + "' is not per-channel or local");
  if (options.maxDrop && !(*options.maxDrop >= 0 && *options.maxDrop <= 100))
    throw Error("max_drop: must be within [0, 100] points, got " +
                std::to_string(*options.maxDrop));
  return options;
}

// The rendezvous of a node's share of a job across nodes: HOST:PORT, or HOST alone on the first
// node before it has picked the port.
RendezvousAddress placementRendezvous(const nlohmann::json& placement, bool portGiven) {
  const std::string text = placement.value("rendezvous", "");
  if (text.empty()) throw Error("placement.rendezvous: required (rank 0's HOST or HOST:PORT)");
  if (!portGiven) return {text, 0};
  try {
    return RendezvousAddress::parse(text);
  } catch (const Error& e) {
    throw e.within("placement.rendezvous");
  }
}

// This node's share of the job's ranks; throws naming the field that is wrong.
RankGroup rankGroup(const JobConfig& job, const nlohmann::json& placement) {
  RankGroup group;
  group.count = static_cast<int>(job.parallel.ranksPerNode);
  group.threadsPerRank = job.threads;
  if (placement.is_null()) {
    if (!job.parallel.nodes.empty())
      throw Error(
          "parallel.nodes: a node runs its own ranks of a job; the workbench or `twb-engine "
          "client` splits a job across nodes (send this node ranks_per_node without nodes)");
    return group;
  }
  if (job.parallel.nodes.size() < 2)
    throw Error("placement: only a job across nodes (parallel.nodes, two or more) has one");
  group.firstRank = placement.value("first_rank", 0);
  if (group.firstRank < 0 || group.firstRank % group.count != 0 ||
      group.firstRank + group.count > job.parallel.ranks())
    throw Error("placement.first_rank: " + std::to_string(group.firstRank) +
                " is not a node's first rank in a job of " + std::to_string(job.parallel.ranks()) +
                " ranks, " + std::to_string(group.count) + " per node");
  group.secret = placement.value("secret", "");
  if (group.secret.size() != 64 ||
      group.secret.find_first_not_of("0123456789abcdef") != std::string::npos)
    throw Error("placement.secret: must be the job's 64 hex digits");
  group.rendezvous = placement.value("rendezvous", "");
  return group;
}

// Where this node stands towards rank 0's rendezvous: the first node must be able to listen at
// its host, the others must have a route to it.
void checkRendezvous(const RankGroup& group, const nlohmann::json& placement) {
  if (placement.is_null()) return;
  const bool first = group.firstRank == 0;
  // Checked before the first node has picked the port, so the host alone is enough here.
  const RendezvousAddress address =
      placementRendezvous(placement, group.rendezvous.find(':') != std::string::npos);
  try {
    if (first)
      freePort(address.host);
    else
      localAddressTowards({address.host, address.port > 0 ? address.port : 1});
  } catch (const Error& e) {
    throw e.within("placement.rendezvous");
  }
}

// A data-parallel job's ranks on this node, as their own processes (twb-engine train --rank),
// the node's first rank writing the job's events. The first node of a job across nodes picks
// the rendezvous port and says where in a `rendezvous` event before its ranks start. When a rank
// fails before the events say how the job ended, the job ends failed naming that rank.
void runRanks(const JobConfig& job, const nlohmann::json& task, const JobFolder& folder,
              const std::atomic<bool>* stop, EventLog& events) {
  RankGroup group = rankGroup(job, task.value("placement", nlohmann::json()));
  const bool portGiven = group.rendezvous.find(':') != std::string::npos;
  if (group.firstRank > 0 && !portGiven)
    throw Error("placement.rendezvous: '" + group.rendezvous +
                "' needs the port the first node picked (HOST:PORT)");
  if (group.firstRank == 0 && !group.rendezvous.empty() && !portGiven) {
    group.rendezvous = RendezvousAddress{group.rendezvous, freePort(group.rendezvous)}.toString();
    events.publish("rendezvous", {{"address", group.rendezvous}});
  }
  const std::string jobFile = folder.dir + "/data-parallel-job.json";
  writeFileWhole(jobFile, task.at("job").dump(2), {.durable = true});
  std::vector<std::string> common{"train",      jobFile,   "--out",
                                  folder.out(), "--ranks", std::to_string(group.count)};
  if (!task.value("resume_from", "").empty())
    common.insert(common.end(), {"--resume", task.value("resume_from", "")});
  if (task.contains("job_folder"))
    common.insert(common.end(), {"--paths-from", task["job_folder"].get<std::string>()});
  std::vector<std::vector<std::string>> own(static_cast<size_t>(group.count));
  own[0] = {"--events", folder.events()};
  const LocalRanksResult result = launchLocalRanks(group, common, own, stop);
  std::string lastState;
  EventLogReader reader(folder.events());
  for (const EventRecord& r : reader.readNew())
    if (r.type == "state") lastState = nlohmann::json::parse(r.json).value("state", "");
  EventLog after;
  after.open(folder.events());
  if (lastState == "succeeded" || lastState == "failed" || lastState == "cancelled") {
    if (!result.failure.empty()) after.log("error", "data parallel: " + result.failure);
  } else {
    after.publish("state", {{"state", result.exitCode == 130 ? "cancelled" : "failed"},
                            {"reason", "data parallel: " +
                                           (result.failure.empty()
                                                ? std::string("the ranks ended without a result")
                                                : result.failure)}});
  }
}

void runTrain(const nlohmann::json& task, const JobFolder& folder, const std::atomic<bool>* stop,
              EventLog& events) {
  JobConfig job = JobConfig::fromJson(task.at("job"), task.value("job_folder", folder.dir));
  if (job.parallel.ranks() > 1) {
    job.modelFileRead.reset();  // each rank reads the model file itself
    return runRanks(job, task, folder, stop, events);
  }
  TrainOptions options;
  options.outDir = folder.out();
  options.resumeFrom = task.value("resume_from", "");
  options.stop = stop;
  train(std::move(job), options, events);  // publishes running, then succeeded or cancelled
}

void runQuantize(const nlohmann::json& task, const JobFolder& folder, const std::atomic<bool>* stop,
                 EventLog& events) {
  const std::string modelPath = resolve(task.at("model").get<std::string>(), folder.dir);
  const QuantizeOptions options = quantizeOptions(task);
  const ModelFile model = loadModel(modelPath);
  const Shape input = model.spec.soleInputShape();
  const DatasetSplits calib = openDataset(task.at("calibration"), input);
  const auto evaluation =
      task.contains("evaluation") ? openDataset(task["evaluation"], input).test : calib.test;
  events.publish("state", {{"state", "running"}, {"model", modelPath}});
  const std::string out = folder.out() + "/model-int8.twbm";
  int lastPercent = -1;
  std::string lastStage;
  const nlohmann::json report =
      quantizeModel(model, calib.train, evaluation,
                    model.dataset.normalization.value_or(calib.train->defaultNormalization()),
                    options, out, [&](const std::string& stage, double fraction) {
                      const int percent = static_cast<int>(fraction * 100);
                      if (stage != lastStage || percent != lastPercent)
                        events.publish("progress", {{"stage", stage}, {"fraction", fraction}});
                      lastStage = stage;
                      lastPercent = percent;
                      return !stop->load();
                    });
  publishQuantizeReport(report, folder.out(), events);
  events.publish(
      "state",
      {{"state", "succeeded"}, {"model", out}, {"peak_memory_bytes", peakResidentBytes()}});
}

void runExport(const nlohmann::json& task, const JobFolder& folder, EventLog& events) {
  const std::string modelPath = resolve(task.at("model").get<std::string>(), folder.dir);
  events.publish("state", {{"state", "running"}, {"model", modelPath}});
  const ModelFile model = loadModel(modelPath);
  const std::string out = folder.out() + "/" + fs::path(modelPath).stem().string() + ".onnx";
  exportOnnx(out, model.spec, model.params, model.quant ? &*model.quant : nullptr, model.dataset);
  events.publish("state", {{"state", "succeeded"}, {"model", out}});
}
}  // namespace

void checkParallelPlacement(const JobConfig& job, const nlohmann::json& placement) {
  checkParallelInterface(job.parallel);
  if (job.parallel.ranks() > 1) checkRendezvous(rankGroup(job, placement), placement);
}

std::string validateJobTask(const nlohmann::json& task, const std::string& folder,
                            DatasetFactsCache& datasets) {
  const std::string kind = requiredString(task, "kind");
  if (kind == "train") {
    try {
      const JobConfig job = JobConfig::fromJson(task.at("job"), task.value("job_folder", folder));
      checkParallelPlacement(job, task.value("placement", nlohmann::json()));
      const JobPlan plan = planJob(job, datasets.opener());
      if (!job.device.empty()) chooseDevice(job.device, plan.graph);
      try {  // the run it continues took steps of this size
        const std::string resume = task.value("resume_from", "");
        if (!resume.empty()) checkResumePoint(resume, plan.batch, job.parallel.ranks());
      } catch (const Error& e) {
        throw e.within("train.resume_job");
      }
      return job.name;
    } catch (const Error& e) {
      const std::string_view what = e.what();
      if (what.starts_with("placement") || what.starts_with("train.resume_job")) throw;
      throw e.within("job");
    }
  } else if (kind == "quantize") {
    checkModelFile(task, folder);
    try {  // the task's options are the request's fields of the same names
      quantizeOptions(task);
    } catch (const Error& e) {
      throw Error("quantize." + std::string(e.what()));
    }
    try {
      datasets.open(task.at("calibration"));
    } catch (const Error& e) {
      throw e.within("quantize.calibration");
    }
    if (task.contains("evaluation")) datasets.open(task["evaluation"]);
  } else if (kind == "export") {
    checkModelFile(task, folder);
    if (task.value("format", "onnx") != "onnx")
      throw Error("format: '" + task.value("format", "") + "' is not onnx");
  } else {
    throw Error("kind: '" + kind + "' is not train, quantize or export");
  }
  return {};
}

void runJobTask(const JobFolder& folder, const std::atomic<bool>* stop) {
  EventLog events;
  events.open(folder.events());
  try {
    std::ifstream in(folder.task());
    if (!in) throw Error(folder.task() + ": missing");
    const nlohmann::json task = nlohmann::json::parse(in);
    const std::string kind = task.at("kind").get<std::string>();
    if (kind == "train")
      runTrain(task, folder, stop, events);
    else if (kind == "quantize")
      runQuantize(task, folder, stop, events);
    else
      runExport(task, folder, events);
  } catch (const std::exception& e) {
    const bool cancelled = stop->load();
    events.publish("state", cancelled ? nlohmann::json{{"state", "cancelled"}, {"reason", e.what()}}
                                      : nlohmann::json{{"state", "failed"}, {"reason", e.what()}});
  }
}

}  // namespace twb
