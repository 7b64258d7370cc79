#include "dist/hierarchical_communicator.h"

#include <cstring>

namespace twb {

HierarchicalCommunicator::HierarchicalCommunicator(std::unique_ptr<Communicator> world,
                                                   std::unique_ptr<Communicator> leaders,
                                                   std::unique_ptr<SharedMemoryGroup> local,
                                                   std::string sharedName)
    : m_world(std::move(world)),
      m_leaders(std::move(leaders)),
      m_local(std::move(local)),
      m_sharedName(std::move(sharedName)) {}

Tensor HierarchicalCommunicator::gradientMemory(size_t floats) {
  // On one machine each rank writes its share of the sum into every rank's part; across
  // machines the sum goes through the result area, which the leaders reduce over the network.
  const bool withResult = !oneMachine();
  const int ranks = m_local->localSize();
  if (rankShortOfSharedMemory(*m_world,
                              SharedMemoryGroup::segmentBytes(ranks, floats, withResult)) >= 0)
    return {};
  m_gradients =
      std::make_shared<SharedMemoryGroup>(m_sharedName + "-gradients", m_local->localRank(), ranks,
                                          floats, m_local->timeout(), withResult);
  if (m_local->abort()) m_gradients->watch(m_local->abort());
  auto* mine = reinterpret_cast<std::byte*>(m_gradients->slot(m_local->localRank()));
  return Tensor({static_cast<int64_t>(floats)}, DType::f32,
                std::shared_ptr<std::byte>(m_gradients, mine));
}

size_t HierarchicalCommunicator::offsetInGradients(const float* data, size_t count) const {
  if (!m_gradients) return std::string::npos;
  const float* mine = m_gradients->slot(m_local->localRank());
  if (data < mine || data + count > mine + m_gradients->slotFloats()) return std::string::npos;
  return static_cast<size_t>(data - mine);
}

void HierarchicalCommunicator::allReduceMean(float* data, size_t count, WireType wire,
                                             float* feedback) {
  const size_t offset = offsetInGradients(data, count);
  if (offset == std::string::npos) return Communicator::allReduceMean(data, count, wire, feedback);
  allReduceInPlace(offset, count, wire, feedback, 1.0f / static_cast<float>(size()));
}

void HierarchicalCommunicator::allReduceSum(float* data, size_t count, WireType wire,
                                            float* feedback) {
  if (const size_t offset = offsetInGradients(data, count); offset != std::string::npos)
    return allReduceInPlace(offset, count, wire, feedback, 1.0f);
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

void HierarchicalCommunicator::allReduceInPlace(size_t offset, size_t count, WireType wire,
                                                float* feedback, float scale) {
  SharedMemoryGroup& group = *m_gradients;
  const int me = group.localRank(), ranks = group.localSize();
  const size_t first = offset + shardBegin(count, ranks, me),
               end = offset + shardBegin(count, ranks, me + 1);
  group.barrier();  // every rank's gradients of the range are written
  // This rank's share, summed over the parts in rank order: the same bits on every rank.
  float* sum = oneMachine() ? group.slot(0) : group.result();
  if (sum != group.slot(0))
    std::memcpy(sum + first, group.slot(0) + first, (end - first) * sizeof(float));
  for (int r = 1; r < ranks; ++r) {
    const float* part = group.slot(r);
    for (size_t i = first; i < end; ++i) sum[i] += part[i];
  }
  if (oneMachine()) {
    if (scale != 1.0f)  // over this rank's share alone, while it is still in cache
      for (size_t i = first; i < end; ++i) sum[i] *= scale;
    for (int r = 1; r < ranks; ++r)
      std::memcpy(group.slot(r) + first, sum + first, (end - first) * sizeof(float));
    group.barrier();  // every share is everywhere
    return;
  }
  group.barrier();
  if (m_leaders) m_leaders->allReduceSum(sum + offset, count, wire, feedback);
  group.barrier();
  // No rank writes the result again before every rank has reached the next call's barrier.
  float* mine = group.slot(me);
  for (size_t i = offset; i < offset + count; ++i) mine[i] = sum[i] * scale;
}

void HierarchicalCommunicator::useStreams(int streams) {
  m_world->useStreams(streams);
  if (m_leaders) m_leaders->useStreams(streams);
}

void HierarchicalCommunicator::setTimeout(std::chrono::milliseconds timeout) {
  m_world->setTimeout(timeout);
  if (m_leaders) m_leaders->setTimeout(timeout);
  m_local->setTimeout(timeout);
  if (m_gradients) m_gradients->setTimeout(timeout);
}

uint64_t HierarchicalCommunicator::bytesSent() const {
  return m_world->bytesSent() + (m_leaders ? m_leaders->bytesSent() : 0);
}

}  // namespace twb
