#pragma once

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
  std::vector<std::string> isaFlags() const;  // the flags above that are present
};

CpuInfo readCpuInfo();

// The CPUs this process may run on (its affinity mask), in ascending order.
std::vector<int> allowedCores();

}  // namespace twb
