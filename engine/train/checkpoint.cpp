#include "train/checkpoint.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <optional>

#include "core/error.h"
#include "io/safetensors.h"

namespace twb {

namespace fs = std::filesystem;

void saveCheckpoint(const std::string& path, const ParameterStore& params,
                    const Optimizer& optimizer, const TrainState& state,
                    const nlohmann::json& job) {
  TensorFile file;
  file.metadata = {{"format", "twb-checkpoint/1"},
                   {"step", std::to_string(state.step)},
                   {"epoch", std::to_string(state.epoch)},
                   {"batch_in_epoch", std::to_string(state.batchInEpoch)},
                   {"samples_per_step", std::to_string(state.samplesPerStep)},
                   {"optimizer_steps", std::to_string(optimizer.steps())},
                   {"job", job.dump()}};
  for (const auto& p : params.all()) file.tensors.emplace_back("param/" + p.name, p.value);
  for (const auto& [name, t] : const_cast<Optimizer&>(optimizer).state())
    file.tensors.emplace_back("optim/" + name, t);
  fs::create_directories(fs::path(path).parent_path());
  writeTensorFile(path, file);
}

namespace {
// The optimizer finds its state by position, so a checkpoint's must be exactly what it keeps, in
// its order: another optimizer's state (the job changed between runs) crashed the first step.
void checkOptimizerState(const std::string& path, const TensorFile& file,
                         const std::vector<std::pair<std::string, Tensor>>& restored,
                         const ParameterStore& params, Optimizer& optimizer) {
  std::vector<std::pair<std::string, Shape>> expected;
  for (const Parameter& p : params.all())
    if (!p.grad.empty())
      for (const std::string& suffix : optimizer.stateSuffixes())
        expected.emplace_back(p.name + "." + suffix, p.value.shape());
  for (size_t i = 0; i < std::max(expected.size(), restored.size()); ++i) {
    const bool same = i < expected.size() && i < restored.size() &&
                      restored[i].first == expected[i].first &&
                      restored[i].second.shape() == expected[i].second;
    if (same) continue;
    // State of the kind this optimizer keeps, for other parameters: other layers were frozen.
    const std::vector<std::string> kinds = optimizer.stateSuffixes();
    const std::string& name = i < restored.size() ? restored[i].first : expected[i].first;
    const bool otherLayers =
        std::find(kinds.begin(), kinds.end(), name.substr(name.rfind('.') + 1)) != kinds.end();
    const char* field = otherLayers ? "freeze" : "optimizer";
    std::string writtenWith = otherLayers ? "other layers frozen" : "another optimizer";
    if (const auto job = file.metadata.find("job"); job != file.metadata.end()) {
      const auto parsed = nlohmann::json::parse(job->second, nullptr, false);
      if (parsed.is_object())
        writtenWith = std::string("\"") + field + "\": " +
                      (parsed.contains(field) ? parsed[field].dump() : std::string("none"));
    }
    const std::string found = i < restored.size() ? "'" + restored[i].first + "'" : "nothing";
    const std::string wanted = i < expected.size() ? "'" + expected[i].first + "'" : "nothing";
    throw Error(path + ": holds optimizer state " + found + " where this job's optimizer keeps " +
                wanted + ": the checkpoint was written with " + writtenWith +
                "; resume with that " + (otherLayers ? "freeze" : "optimizer") +
                " (or train afresh from the run's model.twbm)");
  }
}

// A number of the metadata; `fallback` for a key older checkpoints lack, or an error naming it.
int64_t metadataNumber(const std::map<std::string, std::string>& metadata, const std::string& key,
                       const std::string& path, std::optional<int64_t> fallback = {}) {
  auto it = metadata.find(key);
  if (it == metadata.end()) {
    if (fallback) return *fallback;
    throw Error(path + ": checkpoint metadata lacks '" + key + "'");
  }
  try {
    return std::stoll(it->second);
  } catch (const std::exception&) {
    throw Error(path + ": checkpoint metadata '" + key + "' is not a number");
  }
}

TrainState stateFrom(const std::map<std::string, std::string>& metadata, const std::string& path) {
  auto format = metadata.find("format");
  if (format == metadata.end() || format->second != "twb-checkpoint/1")
    throw Error(path + ": not a Tensor Workbench checkpoint");
  return {metadataNumber(metadata, "step", path), metadataNumber(metadata, "epoch", path),
          metadataNumber(metadata, "batch_in_epoch", path),
          metadataNumber(metadata, "samples_per_step", path, 0)};
}
}  // namespace

TrainState readCheckpointState(const std::string& path) {
  return stateFrom(readTensorFileMetadata(path), path);
}

void checkStepSizeMatches(const std::string& path, const TrainState& saved, int64_t batch,
                          int64_t ranks) {
  if (saved.samplesPerStep == 0 || saved.samplesPerStep == batch * ranks) return;
  const std::string thisStep =
      ranks > 1 ? std::to_string(batch * ranks) + " (batch " + std::to_string(batch) +
                      " on each of " + std::to_string(ranks) + " ranks)"
                : std::to_string(batch) + " (batch " + std::to_string(batch) + " on one process)";
  throw Error(path + ": was written by a run of " + std::to_string(saved.samplesPerStep) +
              " samples a step, this one takes " + thisStep +
              "; steps, epochs and the learning-rate schedule count steps of one size, so it "
              "would not continue that run: resume with a batch and ranks that make " +
              std::to_string(saved.samplesPerStep) +
              " samples a step, or train afresh from the run's model.twbm "
              "(\"model\": {\"file\": ...})");
}

void checkResumePoint(const std::string& path, int64_t batch, int64_t ranks) {
  for (const std::string& checkpoint : checkpointsToResumeFrom(path)) {
    TrainState saved;
    try {
      saved = readCheckpointState(checkpoint);
    } catch (const Error&) {
      continue;  // a resume passes over it too, or says why none reads
    }
    return checkStepSizeMatches(checkpoint, saved, batch, ranks);
  }
}

TrainState loadCheckpoint(const std::string& path, ParameterStore& params, Optimizer& optimizer) {
  const TensorFile file = readTensorFile(path);
  const TrainState state = stateFrom(file.metadata, path);
  for (auto& p : params.all()) {
    const Tensor* t = file.find("param/" + p.name);
    // Another model's checkpoint (the job's model changed since): say which and how.
    if (!t)
      throw Error(path + ": holds no parameter '" + p.name + "' of this job's model (" +
                  toString(p.value.shape()) + "): a checkpoint of another model");
    if (t->shape() != p.value.shape())
      throw Error(path + ": parameter '" + p.name + "' is " + toString(t->shape()) + " there and " +
                  toString(p.value.shape()) +
                  " in this job's model: a checkpoint of another model");
    if (t->dtype() != DType::f32) throw Error(path + ": parameter '" + p.name + "' is not float32");
    // In place: executors hold the addresses of these buffers.
    std::memcpy(p.value.raw(), t->raw(), t->bytes());
  }
  std::vector<std::pair<std::string, Tensor>> restored;
  for (const auto& [name, t] : file.tensors)
    if (name.rfind("optim/", 0) == 0) restored.emplace_back(name.substr(6), t.clone());
  const int64_t steps = metadataNumber(file.metadata, "optimizer_steps", path);
  if (!restored.empty() || steps > 0) checkOptimizerState(path, file, restored, params, optimizer);
  optimizer.state() = std::move(restored);
  optimizer.setSteps(steps);
  return state;
}

namespace {
// The checkpoints (step-N.twbc) of a run's checkpoints folder, newest first.
std::vector<fs::path> checkpointsNewestFirst(const fs::path& dir) {
  std::vector<std::pair<int64_t, fs::path>> found;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step-", 0) != 0 || entry.path().extension() != ".twbc") continue;
    found.emplace_back(std::atoll(name.c_str() + 5), entry.path());
  }
  std::sort(found.rbegin(), found.rend());
  std::vector<fs::path> paths;
  for (auto& [step, path] : found) paths.push_back(std::move(path));
  return paths;
}
}  // namespace

void pruneCheckpoints(const std::string& dir, int64_t keep) {
  const std::vector<fs::path> found = checkpointsNewestFirst(dir);
  for (size_t i = static_cast<size_t>(keep); i < found.size(); ++i) fs::remove(found[i]);
}

std::vector<std::string> checkpointsToResumeFrom(const std::string& path) {
  if (fs::is_regular_file(path)) return {path};
  if (!fs::exists(path))
    throw Error(path + ": no such run folder or checkpoint file to resume from");
  const fs::path dir = fs::path(path) / "checkpoints";
  if (!fs::is_directory(dir)) throw Error(path + ": no checkpoints folder to resume from");
  std::vector<std::string> found;
  for (const fs::path& checkpoint : checkpointsNewestFirst(dir)) found.push_back(checkpoint);
  if (found.empty()) throw Error(dir.string() + ": holds no checkpoint (step-N.twbc)");
  return found;
}

RestoredCheckpoint restoreNewestCheckpoint(const std::string& path, ParameterStore& params,
                                           Optimizer& optimizer) {
  RestoredCheckpoint restored;
  for (const std::string& candidate : checkpointsToResumeFrom(path)) {
    try {
      restored.state = loadCheckpoint(candidate, params, optimizer);
      restored.path = candidate;
      return restored;
    } catch (const Error& e) {
      restored.passedOver.push_back(e.what());
    }
  }
  throw Error(restored.passedOver.front());
}

}  // namespace twb
