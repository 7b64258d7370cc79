#include "core/cpu_info.h"

#include <sched.h>

#include <fstream>
#include <set>
#include <sstream>
#include <thread>

namespace twb {

std::vector<std::string> CpuInfo::isaFlags() const {
  std::vector<std::string> out;
  const std::pair<bool, const char*> flags[] = {
      {avx2, "avx2"},           {avx512f, "avx512f"}, {avx512Bf16, "avx512_bf16"},
      {avx512Vnni, "avx512_vnni"}, {amxBf16, "amx_bf16"}, {amxInt8, "amx_int8"}};
  for (const auto& [present, name] : flags)
    if (present) out.push_back(name);
  return out;
}

CpuInfo readCpuInfo() {
  CpuInfo info;
  info.logicalCores = static_cast<int>(std::thread::hardware_concurrency());
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::set<std::string> flags;
  for (std::string line; std::getline(cpuinfo, line);) {
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const std::string key = line.substr(0, line.find_last_not_of(" \t", colon - 1) + 1);
    const std::string value = colon + 2 <= line.size() ? line.substr(colon + 2) : "";
    if (key == "model name" && info.model.empty()) info.model = value;
    if (key == "flags" && flags.empty()) {
      std::istringstream words(value);
      for (std::string w; words >> w;) flags.insert(w);
    }
  }
  info.avx2 = flags.count("avx2");
  info.avx512f = flags.count("avx512f");
  info.avx512Bf16 = flags.count("avx512_bf16");
  info.avx512Vnni = flags.count("avx512_vnni") || flags.count("avx512vnni");
  info.avxVnni = flags.count("avx_vnni");
  info.f16c = flags.count("avx") && flags.count("f16c");
  info.amxBf16 = flags.count("amx_bf16");
  info.amxInt8 = flags.count("amx_int8");
  std::ifstream meminfo("/proc/meminfo");
  for (std::string key; meminfo >> key;) {
    int64_t kb = 0;
    meminfo >> kb;
    if (key == "MemTotal:") {
      info.memoryBytes = kb * 1024;
      break;
    }
    meminfo.ignore(1 << 10, '\n');
  }
  return info;
}

std::vector<int> allowedCores() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cores;
  if (::sched_getaffinity(0, sizeof(set), &set) != 0) return cores;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu)
    if (CPU_ISSET(cpu, &set)) cores.push_back(cpu);
  return cores;
}

std::string oversubscription(int64_t threads, int64_t processes) {
  const auto cores = static_cast<int64_t>(allowedCores().size());
  if (threads <= 0 || cores == 0 || threads * processes <= cores) return {};
  return "threads: " +
         (processes > 1 ? std::to_string(processes) + " ranks of " + std::to_string(threads)
                        : std::to_string(threads)) +
         " threads share the " + std::to_string(cores) +
         " cores this job may use, and steps slow down (0 uses every core)";
}

}  // namespace twb
