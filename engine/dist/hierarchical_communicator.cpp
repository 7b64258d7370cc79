#include "dist/hierarchical_communicator.h"

#include <cstring>

namespace twb {

HierarchicalCommunicator::HierarchicalCommunicator(std::unique_ptr<Communicator> world,
                                                   std::unique_ptr<Communicator> leaders,
                                                   std::unique_ptr<SharedMemoryGroup> local)
    : m_world(std::move(world)), m_leaders(std::move(leaders)), m_local(std::move(local)) {}

void HierarchicalCommunicator::allReduceSum(float* data, size_t count, WireType wire,
                                            float* feedback) {
  SharedMemoryGroup& local = *m_local;
  const int me = local.localRank(), ranks = local.localSize();
  float* result = local.result();
  for (size_t offset = 0; offset < count; offset += local.slotFloats()) {
    const size_t n = std::min(local.slotFloats(), count - offset);
    std::memcpy(local.slot(me), data + offset, n * sizeof(float));
    local.barrier();
    // Every local rank sums its share of the elements, over the slots in rank order: the same
    // bits whichever rank does it.
    const size_t first = shardBegin(n, ranks, me), end = shardBegin(n, ranks, me + 1);
    std::memcpy(result + first, local.slot(0) + first, (end - first) * sizeof(float));
    for (int r = 1; r < ranks; ++r) {
      const float* slot = local.slot(r);
      for (size_t i = first; i < end; ++i) result[i] += slot[i];
    }
    local.barrier();
    if (m_leaders) m_leaders->allReduceSum(result, n, wire, feedback ? feedback + offset : nullptr);
    local.barrier();
    std::memcpy(data + offset, result, n * sizeof(float));
    local.barrier();  // before the next chunk overwrites the slots and the result
  }
}

void HierarchicalCommunicator::useStreams(int streams) {
  m_world->useStreams(streams);
  if (m_leaders) m_leaders->useStreams(streams);
}

void HierarchicalCommunicator::setTimeout(std::chrono::milliseconds timeout) {
  m_world->setTimeout(timeout);
  if (m_leaders) m_leaders->setTimeout(timeout);
  m_local->setTimeout(timeout);
}

uint64_t HierarchicalCommunicator::bytesSent() const {
  return m_world->bytesSent() + (m_leaders ? m_leaders->bytesSent() : 0);
}

}  // namespace twb
