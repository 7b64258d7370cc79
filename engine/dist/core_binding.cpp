#include "dist/core_binding.h"

#include <sched.h>

namespace twb {

std::vector<std::vector<int>> coresForRanks(int ranks, int threadsPerRank,
                                            const std::vector<int>& allowed) {
  const int available = static_cast<int>(allowed.size());
  if (ranks < 1) return {};
  const int each = threadsPerRank > 0 ? threadsPerRank : available / ranks;
  if (each < 1 || static_cast<long>(each) * ranks != available) return {};
  std::vector<std::vector<int>> cores(static_cast<size_t>(ranks));
  for (int r = 0; r < ranks; ++r)
    cores[static_cast<size_t>(r)].assign(allowed.begin() + r * each,
                                         allowed.begin() + (r + 1) * each);
  return cores;
}

void bindToCores(const std::vector<int>& cores) {
  cpu_set_t set;
  CPU_ZERO(&set);
  for (int cpu : cores) CPU_SET(cpu, &set);
  ::sched_setaffinity(0, sizeof(set), &set);
}

}  // namespace twb
