#pragma once

#include <future>
#include <map>
#include <string>

namespace twb {

// The matmul peak of each precision this node runs, in GFLOP/s (profile/matmul_peak.h): what
// the hardware can do, so that a user can tell a slow bf16 run (a CPU without native bf16)
// from a slow engine. Measured once per machine, thread count and engine build, on a thread of
// its own from the daemon's start, and kept in `cacheFile` for the daemons after it.
class PrecisionPeaks {
 public:
  explicit PrecisionPeaks(std::string cacheFile);
  // "fp32", "bf16", "int8" -> GFLOP/s; waits for the first measurement (well under a second).
  const std::map<std::string, double>& get() const { return m_peaks.get(); }

 private:
  std::shared_future<std::map<std::string, double>> m_peaks;
};

}  // namespace twb
