#include "rpc/node_info.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "backend/cpu/cpu_kernel.h"
#include "core/build_info.h"
#include "core/cpu_info.h"

namespace twb {

namespace {
std::string osName() {
  std::ifstream in("/etc/os-release");
  for (std::string line; std::getline(in, line);)
    if (line.starts_with("PRETTY_NAME=")) {
      std::string value = line.substr(12);
      if (value.size() >= 2 && value.front() == '"') value = value.substr(1, value.size() - 2);
      return value;
    }
  return "Linux";
}

// One line per GPU: "NAME, MEMORY_MIB". No driver, no GPUs: nvidia-smi is absent or fails.
void addGpus(node::v1::NodeInfo& info) {
  std::FILE* smi = ::popen(
      "nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits 2>/dev/null", "r");
  if (!smi) return;
  char line[512];
  while (std::fgets(line, sizeof line, smi)) {
    std::string text(line);
    const size_t comma = text.rfind(',');
    if (comma == std::string::npos) continue;
    auto* gpu = info.add_gpus();
    gpu->set_name(text.substr(0, comma));
    gpu->set_memory_bytes(std::atoll(text.c_str() + comma + 1) * (int64_t{1} << 20));
  }
  ::pclose(smi);
}
}  // namespace

node::v1::NodeInfo readNodeInfo(int maxJobs) {
  node::v1::NodeInfo info;
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  info.set_host(host);
  info.set_os(osName());
  utsname uts{};
  if (::uname(&uts) == 0) {
    info.set_kernel(uts.release);
    info.set_architecture(uts.machine);
  }
  const CpuInfo cpu = readCpuInfo();
  info.set_cpu_model(cpu.model);
  info.set_logical_cores(cpu.logicalCores);
  for (const auto& flag : cpu.isaFlags()) info.add_isa_flags(flag);
  info.set_bf16(cpu.avx512Bf16 || cpu.amxBf16);
  info.set_vnni(cpu.avx512Vnni);
  info.set_amx(cpu.amxBf16 || cpu.amxInt8);
  info.set_memory_bytes(cpu.memoryBytes);
  addGpus(info);
  info.set_engine_version(TWB_VERSION);
  info.set_build_hash(engineBuild());
  info.set_protocol("twb.node.v1");
  info.set_max_jobs(maxJobs);
  for (const char* precision : {"fp32", "bf16", "int8"})
    if (std::string(precision) != "bf16" || bf16Unavailable().empty()) info.add_precisions(precision);
  info.set_bf16_unavailable(bf16Unavailable());
  info.add_parallel_strategies("single");
  info.add_parallel_strategies("data");
  return info;
}

}  // namespace twb
