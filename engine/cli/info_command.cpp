#include <omp.h>

#include <cstdio>
#include <dnnl.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/available_memory.h"
#include "core/build_info.h"
#include "core/cpu_info.h"
#include "core/error.h"
#include "core/memory_need.h"
#include "exec/gpu_loader.h"

namespace twb {

namespace {
// The node's GPUs as CUDA reports them, or why there are none.
nlohmann::json gpuFacts() {
  std::string whyNot;
  gpu::GpuBackend* backend = findGpuBackend(&whyNot);
  nlohmann::json gpus = nlohmann::json::array();
  if (backend) {
    try {
      for (const gpu::DeviceInfo& d : backend->devices())
        gpus.push_back({{"device", "cuda:" + std::to_string(d.index)},
                        {"name", d.name},
                        {"memory_bytes", d.totalBytes},
                        {"compute_capability", std::to_string(d.major) + "." + std::to_string(d.minor)},
                        {"multiprocessors", d.multiprocessors},
                        {"bf16", d.bf16},
                        {"tf32", d.tf32}});
      if (gpus.empty()) whyNot = "CUDA finds no GPU on this node";
    } catch (const Error& e) {
      whyNot = e.what();
    }
  }
  nlohmann::json facts = {{"gpus", gpus}};
  if (backend) facts["cuda"] = backend->version();
  if (!whyNot.empty()) facts["gpu_unavailable"] = whyNot;
  return facts;
}
}  // namespace

void addInfoCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("info", "Show the engine version and this machine's CPU");
  static bool json = false;
  cmd->add_flag("--json", json, "Print one JSON object");
  cmd->callback([&exitCode] {
    const CpuInfo cpu = readCpuInfo();
    const AvailableMemory available = availableMemory();
    const dnnl_version_t* dnnl = dnnl_version();
    const std::string onednn = std::to_string(dnnl->major) + "." + std::to_string(dnnl->minor) +
                               "." + std::to_string(dnnl->patch);
    nlohmann::json facts = {{"version", TWB_VERSION},
                            {"build_hash", engineBuild()},
                            {"cpu_model", cpu.model},
                            {"logical_cores", cpu.logicalCores},
                            {"threads", omp_get_max_threads()},
                            {"memory_bytes", cpu.memoryBytes},
                            {"memory_available_bytes", available.bytes},
                            {"isa", cpu.isaFlags()},
                            {"avx512_bf16", cpu.avx512Bf16},
                            {"avx512_vnni", cpu.avx512Vnni},
                            {"amx", cpu.amxBf16 || cpu.amxInt8},
                            {"onednn", onednn}};
    if (!available.cgroup.empty()) {
      facts["memory_cgroup"] = available.cgroup;
      facts["memory_cgroup_limit_bytes"] = available.cgroupLimit;
    }
    facts.update(gpuFacts());
    facts["backends"] = facts["gpus"].empty() ? nlohmann::json{"cpu"} : nlohmann::json{"cpu", "cuda"};
    if (json) {
      std::printf("%s\n", facts.dump(2).c_str());
    } else {
      std::string isa;
      for (const auto& f : cpu.isaFlags()) isa += (isa.empty() ? "" : " ") + f;
      std::printf("twb-engine %s, build %s (oneDNN %s)\n", TWB_VERSION, engineBuild(),
                  onednn.c_str());
      std::printf("CPU:      %s, %d logical cores\n", cpu.model.c_str(), cpu.logicalCores);
      std::printf("ISA:      %s\n", isa.empty() ? "(none of avx2/avx512 found)" : isa.c_str());
      std::printf("bf16:     %s   vnni: %s   amx: %s\n", cpu.avx512Bf16 ? "yes" : "no",
                  cpu.avx512Vnni ? "yes" : "no", cpu.amxBf16 || cpu.amxInt8 ? "yes" : "no");
      std::printf("threads:  %d\n", omp_get_max_threads());
      // What a run may have: the machine's available memory, or its memory cgroup's room.
      const std::string limit = available.cgroup.empty()
                                    ? ""
                                    : " (memory cgroup " + available.cgroup + ", limit " +
                                          memorySize(double(available.cgroupLimit)) + ")";
      std::printf("memory:   %s, %s available to this process%s\n",
                  memorySize(double(cpu.memoryBytes)).c_str(),
                  memorySize(double(available.bytes)).c_str(), limit.c_str());
      for (const auto& g : facts["gpus"])
        std::printf("GPU:      %s %s, %.1f GiB, compute capability %s%s\n",
                    g["device"].get<std::string>().c_str(), g["name"].get<std::string>().c_str(),
                    g["memory_bytes"].get<double>() / double(1 << 30),
                    g["compute_capability"].get<std::string>().c_str(),
                    g["bf16"].get<bool>() ? ", bf16 and TF32 tensor cores" : "");
      if (facts.contains("cuda")) std::printf("CUDA:     %s\n", facts["cuda"].get<std::string>().c_str());
      if (facts.contains("gpu_unavailable"))
        std::printf("GPU:      none (%s)\n", facts["gpu_unavailable"].get<std::string>().c_str());
    }
    exitCode = kExitOk;
  });
}

}  // namespace twb
