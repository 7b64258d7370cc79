#pragma once

#include <memory>

#include "core/rank_collective.h"
#include "dist/shared_memory_group.h"

namespace twb {

// Synchronized BatchNorm's gathers among ranks that all share one machine, through a
// shared-memory segment of their own: each rank copies its part into its slot and reads every
// slot after a barrier. Over loopback TCP each gather cost a round of thread wake-ups while both
// ranks computed (docs/data-parallel.md, Synchronized BatchNorm).
class SharedMemoryCollective : public RankCollective {
 public:
  explicit SharedMemoryCollective(std::unique_ptr<SharedMemoryGroup> group)
      : m_group(std::move(group)) {}
  int rank() const override { return m_group->localRank(); }
  int size() const override { return m_group->localSize(); }
  // Throws CommError when a rank does not come within the group's timeout.
  void allGather(const void* mine, size_t bytes, void* all) override;

 private:
  std::unique_ptr<SharedMemoryGroup> m_group;
};

}  // namespace twb
