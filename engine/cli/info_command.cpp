#include <omp.h>

#include <cstdio>
#include <dnnl.hpp>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "core/build_info.h"
#include "core/cpu_info.h"

namespace twb {

void addInfoCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("info", "Show the engine version and this machine's CPU");
  static bool json = false;
  cmd->add_flag("--json", json, "Print one JSON object");
  cmd->callback([&exitCode] {
    const CpuInfo cpu = readCpuInfo();
    const dnnl_version_t* dnnl = dnnl_version();
    const std::string onednn = std::to_string(dnnl->major) + "." + std::to_string(dnnl->minor) +
                               "." + std::to_string(dnnl->patch);
    const nlohmann::json facts = {{"version", TWB_VERSION},
                                  {"build_hash", engineBuild()},
                                  {"cpu_model", cpu.model},
                                  {"logical_cores", cpu.logicalCores},
                                  {"threads", omp_get_max_threads()},
                                  {"memory_bytes", cpu.memoryBytes},
                                  {"isa", cpu.isaFlags()},
                                  {"avx512_bf16", cpu.avx512Bf16},
                                  {"avx512_vnni", cpu.avx512Vnni},
                                  {"amx", cpu.amxBf16 || cpu.amxInt8},
                                  {"onednn", onednn},
                                  {"backends", {"cpu"}}};
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
      std::printf("memory:   %.1f GiB\n", cpu.memoryBytes / double(1 << 30));
    }
    exitCode = kExitOk;
  });
}

}  // namespace twb
