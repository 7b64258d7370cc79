#pragma once

#include <cstdint>
#include <string>

namespace twb {

// The memory this process could have now without the kernel killing something for it: what
// Linux counts available (free and reclaimable) plus free swap, or less where the process's
// memory control group (a container, a Slurm job, a systemd slice) sets a limit, as
// /proc/meminfo does not show.
struct AvailableMemory {
  int64_t bytes = 0;  // 0: /proc says nothing
  // Set where a control group's limit leaves less than the machine has: its path, as
  // /proc/self/cgroup names it ("/docker/3f2a", "/system.slice/x.service"), the limit and
  // what its processes hold of it (page cache they could give back not counted).
  std::string cgroup;
  int64_t cgroupLimit = 0, cgroupUsed = 0;
};

AvailableMemory availableMemory();

// The most memory this process has had resident at once, in bytes (what a limit meets).
int64_t peakResidentBytes();

}  // namespace twb
