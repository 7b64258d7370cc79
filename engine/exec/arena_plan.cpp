#include "exec/arena_plan.h"

#include <algorithm>
#include <numeric>

namespace twb {

ArenaPlan planArena(const std::vector<BufferLife>& buffers, size_t alignment) {
  auto aligned = [alignment](size_t bytes) {
    return (bytes + alignment - 1) / alignment * alignment;
  };
  std::vector<size_t> order(buffers.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return buffers[a].bytes > buffers[b].bytes; });
  ArenaPlan plan;
  plan.offsets.assign(buffers.size(), 0);
  std::vector<size_t> placed;
  for (size_t b : order) {
    const BufferLife& life = buffers[b];
    // The placed buffers in use at some step of this one's life, by offset.
    std::vector<size_t> neighbours;
    for (size_t p : placed)
      if (buffers[p].first <= life.last && life.first <= buffers[p].last) neighbours.push_back(p);
    std::sort(neighbours.begin(), neighbours.end(),
              [&](size_t x, size_t y) { return plan.offsets[x] < plan.offsets[y]; });
    size_t offset = 0;
    for (size_t p : neighbours) {
      if (plan.offsets[p] >= offset + aligned(life.bytes)) break;  // fits in the gap before p
      offset = std::max(offset, plan.offsets[p] + aligned(buffers[p].bytes));
    }
    plan.offsets[b] = offset;
    plan.bytes = std::max(plan.bytes, offset + aligned(life.bytes));
    placed.push_back(b);
  }
  return plan;
}

}  // namespace twb
