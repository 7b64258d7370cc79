#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace twb {

// Facts about this machine's CPU, read from /proc (Linux).
struct CpuInfo {
  std::string model;
  int logicalCores = 0;
  int64_t memoryBytes = 0;
  bool avx2 = false, avx512f = false, avx512Bf16 = false, avx512Vnni = false;
  bool amxBf16 = false, amxInt8 = false;
  // Asked, not reported: VNNI without AVX-512 (Alder Lake on), and fp16 conversions.
  bool avxVnni = false, f16c = false;
  std::vector<std::string> isaFlags() const;  // the flags above that are present
};

CpuInfo readCpuInfo();

// The CPUs this process may run on (its affinity mask), in ascending order.
std::vector<int> allowedCores();

// What to tell a user whose `processes` processes of `threads` compute threads each share the
// cores this process may run on, when they are more than those cores; empty when they fit (or
// `threads` is 0: every core). More threads than cores take turns, and every step waits for the
// last turn: cnn-small trained at 0.60x its 2-thread speed with 3 threads on 2 cores, 0.21x with
// 16. Said, not refused: the user may share the machine on purpose.
std::string oversubscription(int64_t threads, int64_t processes);

}  // namespace twb
