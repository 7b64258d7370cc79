#include "core/oom_kills.h"

#include <csignal>
#include <fstream>

namespace twb {

int64_t outOfMemoryKills() {
  std::ifstream vmstat("/proc/vmstat");
  for (std::string key; vmstat >> key;) {
    int64_t value = 0;
    vmstat >> value;
    if (key == "oom_kill") return value;
  }
  return -1;
}

std::string outOfMemoryNote(int signal, int64_t killsAtStart) {
  if (signal != SIGKILL || killsAtStart < 0) return {};
  const int64_t kills = outOfMemoryKills();
  if (kills <= killsAtStart) return {};
  return ", most likely for want of memory: the kernel's out-of-memory killer ended " +
         std::to_string(kills - killsAtStart) +
         (kills - killsAtStart == 1 ? " process" : " processes") +
         " while it ran (dmesg names them)";
}

}  // namespace twb
