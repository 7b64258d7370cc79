#include "exec/device_choice.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "exec/gpu_loader.h"

namespace twb {

namespace {
std::string describe(const gpu::DeviceInfo& d) {
  char memory[32];
  std::snprintf(memory, sizeof memory, "%.1f GiB", d.totalBytes / double(int64_t(1) << 30));
  return "cuda:" + std::to_string(d.index) + " (" + d.name + ", " + memory +
         ", compute capability " + std::to_string(d.major) + "." + std::to_string(d.minor) + ")";
}

// The first node whose op the backend does not run, or "".
std::string unsupportedNode(const Graph& graph, gpu::GpuBackend& backend) {
  const std::vector<std::string> ops = backend.ops();
  for (const GraphNode& node : graph.nodes())
    if (std::find(ops.begin(), ops.end(), node.opName) == ops.end())
      return "node '" + node.name + "' (" + node.opName + ") has no CUDA kernel yet";
  return "";
}

// The ops whose CUDA kernels tests/gpu/cuda_checks ran against the CPU backend on a GPU (an
// H200, 2026-12-04). ReLU now runs on the activation kernels and channels-last batch norm on
// kernels of its own, both built after that run and not yet run on a GPU. The backend's other
// ops wait for a GPU run before jobs take them unasked.
const std::vector<std::string> kCheckedOnAGpu{
    "Add",           "AvgPool2d", "BatchNorm2d", "Conv2d", "Flatten",
    "GlobalAvgPool", "Linear",    "MaxPool2d",   "ReLU",   "SoftmaxCrossEntropy"};

std::string listed(const std::vector<std::string>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + name;
  return text;
}

DeviceChoice cpu(std::string note = "") { return {-1, "cpu", "cpu", std::move(note), ""}; }

// Loading the CUDA backend maps cuBLASLt, about 0.35 s: a job that names no device probes for a
// GPU only where the NVIDIA driver's control device exists (in VMs and containers too).
bool nvidiaDriverPresent() {
  std::error_code error;
  return std::filesystem::exists("/dev/nvidiactl", error);
}
}  // namespace

DeviceChoice chooseDevice(const std::string& asked, const Graph& graph) {
  if (asked == "cpu") return cpu();
  const bool wanted = !asked.empty();
  if (!wanted && !nvidiaDriverPresent()) return cpu();
  std::string whyNot;
  gpu::GpuBackend* backend = findGpuBackend(&whyNot);
  if (!backend) {
    if (wanted) throw Error("device: " + asked + " asked for, but " + whyNot);
    return cpu();
  }
  std::vector<gpu::DeviceInfo> gpus;
  try {
    gpus = backend->devices();
  } catch (const Error& e) {
    if (wanted) throw Error("device: " + asked + " asked for, but " + e.what());
    return cpu();
  }
  if (gpus.empty()) {
    if (wanted) throw Error("device: " + asked + " asked for, but this node has no GPU");
    return cpu();
  }
  const int index = asked.size() > 5 ? std::stoi(asked.substr(5)) : 0;
  if (index >= static_cast<int>(gpus.size())) {
    std::string list;
    for (const auto& d : gpus) list += (list.empty() ? "" : ", ") + describe(d);
    throw Error("device: " + asked + " does not exist: this node has " +
                std::to_string(gpus.size()) + " GPU" + (gpus.size() == 1 ? "" : "s") + " (" + list +
                ")");
  }
  const std::string missing = unsupportedNode(graph, *backend);
  if (!missing.empty()) {
    if (wanted) throw Error("device: " + asked + ": " + missing + " (use \"device\": \"cpu\")");
    return cpu("training on the CPU although this node has " + describe(gpus[0]) + ": " + missing);
  }
  const std::vector<std::string> unchecked = opsNotCheckedOnAGpu(graph);
  const std::string uncheckedNote = unchecked.empty()
                                        ? ""
                                        : listed(unchecked) +
                                              " run on CUDA kernels not yet checked on a GPU "
                                              "against the CPU backend";
  if (!wanted && !unchecked.empty())
    return cpu("training on the CPU although this node has " + describe(gpus[0]) + ": " +
               uncheckedNote + " (\"device\": \"cuda\" trains there)");
  return {index, "cuda:" + std::to_string(index), describe(gpus[index]), uncheckedNote,
          gpus[index].pciBusId};
}

std::vector<std::string> opsNotCheckedOnAGpu(const Graph& graph) {
  std::vector<std::string> ops;
  for (const GraphNode& node : graph.nodes())
    if (std::find(kCheckedOnAGpu.begin(), kCheckedOnAGpu.end(), node.opName) ==
            kCheckedOnAGpu.end() &&
        std::find(ops.begin(), ops.end(), node.opName) == ops.end())
      ops.push_back(node.opName);
  return ops;
}

}  // namespace twb
