#include "backend/cpu/int8_without_vnni.h"

namespace twb {

bool int8WithoutVnni() {
  static const bool answer = __builtin_cpu_supports("avx2") &&
                             !__builtin_cpu_supports("avx512vnni") &&
                             !__builtin_cpu_supports("avxvnni");
  return answer;
}

}  // namespace twb
