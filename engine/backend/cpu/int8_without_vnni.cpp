#include "backend/cpu/int8_without_vnni.h"

#include "core/cpu_info.h"

namespace twb {

bool int8WithoutVnni() {
  // From /proc/cpuinfo, not __builtin_cpu_supports: clang before 15 knows no "avxvnni".
  static const bool answer = [] {
    const CpuInfo cpu = readCpuInfo();
    return cpu.avx2 && !cpu.avx512Vnni && !cpu.avxVnni;
  }();
  return answer;
}

}  // namespace twb
