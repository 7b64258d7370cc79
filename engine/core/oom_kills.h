#pragma once

#include <cstdint>
#include <string>

namespace twb {

// How many processes the kernel's out-of-memory killer has ended since boot, on the whole
// machine and in every memory cgroup (/proc/vmstat's oom_kill, Linux 4.13 on); -1 where it does
// not say.
int64_t outOfMemoryKills();

// What to say after "killed by signal 9" of a process started when the count was `killsAtStart`:
// that it most likely ran out of memory, where the count has grown since (the kernel's SIGKILL
// carries no sender); empty for other signals, an unknown count, or none since.
std::string outOfMemoryNote(int signal, int64_t killsAtStart);

}  // namespace twb
