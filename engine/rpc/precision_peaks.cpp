#include "rpc/precision_peaks.h"

#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

#include "backend/cpu/cpu_kernel.h"
#include "core/build_info.h"
#include "core/cpu_info.h"
#include "core/file_writing.h"
#include "exec/precision_policy.h"
#include "profile/matmul_peak.h"
#include "rpc/job_record.h"

namespace twb {

namespace {
// 1024³: big enough for oneDNN's blocking to reach its peak, small enough to measure all three
// precisions in a fraction of a second at the daemon's start.
constexpr int kSize = 1024;
constexpr int kRepeats = 6;

// What the cached figures hold for: this CPU, thread count and engine build.
std::string machineKey() {
  const CpuInfo cpu = readCpuInfo();
  return cpu.model + " | " + std::to_string(std::thread::hardware_concurrency()) + " threads | " +
         engineBuild();
}

std::map<std::string, double> measureOrLoad(const std::string& cacheFile) {
  const std::string key = machineKey();
  std::ifstream in(cacheFile);
  const nlohmann::json cached = in ? nlohmann::json::parse(in, nullptr, false) : nlohmann::json();
  if (cached.is_object() && cached.value("machine", "") == key && cached.contains("gflops"))
    return cached["gflops"].get<std::map<std::string, double>>();
  std::map<std::string, double> peaks;
  for (const Precision precision : {Precision::fp32, Precision::bf16, Precision::int8}) {
    if (precision == Precision::bf16 && !bf16Unavailable().empty()) continue;
    peaks[precisionName(precision)] = measureMatmulPeakGflops(precision, kSize, kRepeats);
  }
  try {  // a cache that cannot be written only means measuring again next time
    writeFileWhole(cacheFile, nlohmann::json{{"machine", key}, {"gflops", peaks}}.dump(2) + "\n",
                   {.durable = true});
  } catch (const std::exception&) {
  }
  return peaks;
}
}  // namespace

PrecisionPeaks::PrecisionPeaks(std::string cacheFile)
    : m_peaks(std::async(std::launch::async, measureOrLoad, std::move(cacheFile)).share()) {}

}  // namespace twb
