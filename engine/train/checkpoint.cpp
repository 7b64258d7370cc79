#include "train/checkpoint.h"

#include <cstring>
#include <filesystem>

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
                   {"optimizer_steps", std::to_string(optimizer.steps())},
                   {"job", job.dump()}};
  for (const auto& p : params.all()) file.tensors.emplace_back("param/" + p.name, p.value);
  for (const auto& [name, t] : const_cast<Optimizer&>(optimizer).state())
    file.tensors.emplace_back("optim/" + name, t);
  fs::create_directories(fs::path(path).parent_path());
  writeTensorFile(path, file);
}

TrainState loadCheckpoint(const std::string& path, ParameterStore& params, Optimizer& optimizer) {
  const TensorFile file = readTensorFile(path);
  auto meta = [&](const std::string& key) -> int64_t {
    auto it = file.metadata.find(key);
    if (it == file.metadata.end()) throw Error(path + ": checkpoint metadata lacks '" + key + "'");
    try {
      return std::stoll(it->second);
    } catch (const std::exception&) {
      throw Error(path + ": checkpoint metadata '" + key + "' is not a number");
    }
  };
  auto format = file.metadata.find("format");
  if (format == file.metadata.end() || format->second != "twb-checkpoint/1")
    throw Error(path + ": not a Tensor Workbench checkpoint");
  for (auto& p : params.all()) {
    const Tensor* t = file.find("param/" + p.name);
    if (!t || t->shape() != p.value.shape() || t->dtype() != DType::f32)
      throw Error(path + ": parameter '" + p.name + "' is missing or has another shape");
    // In place: executors hold the addresses of these buffers.
    std::memcpy(p.value.raw(), t->raw(), t->bytes());
  }
  auto& state = optimizer.state();
  state.clear();
  for (const auto& [name, t] : file.tensors)
    if (name.rfind("optim/", 0) == 0) state.emplace_back(name.substr(6), t.clone());
  optimizer.setSteps(meta("optimizer_steps"));
  return {meta("step"), meta("epoch"), meta("batch_in_epoch")};
}

std::string findLatestCheckpoint(const std::string& path) {
  if (fs::is_regular_file(path)) return path;
  const fs::path dir = fs::path(path) / "checkpoints";
  if (!fs::is_directory(dir)) throw Error(path + ": no checkpoints folder to resume from");
  std::string best;
  int64_t bestStep = -1;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("step-", 0) != 0 || entry.path().extension() != ".twbc") continue;
    const int64_t step = std::atoll(name.c_str() + 5);
    if (step > bestStep) bestStep = step, best = entry.path().string();
  }
  if (best.empty()) throw Error(dir.string() + ": holds no checkpoint (step-N.twbc)");
  return best;
}

}  // namespace twb
