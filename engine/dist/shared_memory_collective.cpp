#include "dist/shared_memory_collective.h"

#include <algorithm>
#include <cstring>

namespace twb {

void SharedMemoryCollective::allGather(const void* mine, size_t bytes, void* all) {
  SharedMemoryGroup& group = *m_group;
  const size_t slotBytes = group.slotFloats() * sizeof(float);
  const auto* in = static_cast<const char*>(mine);
  auto* out = static_cast<char*>(all);
  for (size_t offset = 0; offset < bytes; offset += slotBytes) {
    const size_t n = std::min(slotBytes, bytes - offset);
    std::memcpy(group.slot(group.localRank()), in + offset, n);
    group.barrier();
    for (int r = 0; r < group.localSize(); ++r)
      std::memcpy(out + static_cast<size_t>(r) * bytes + offset, group.slot(r), n);
    group.barrier();  // before the next gather overwrites the slots
  }
}

}  // namespace twb
