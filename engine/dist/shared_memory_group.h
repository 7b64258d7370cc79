#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

namespace twb {

// The ranks of one machine meeting in a POSIX shared-memory segment: a slot of floats per rank,
// one result area, and a barrier (futex-based, so waiting ranks sleep). Local rank 0 creates the
// segment, the others open it; it is unlinked as soon as every rank has it mapped, so nothing
// stays in /dev/shm after the job, even when ranks are killed.
class SharedMemoryGroup {
 public:
  // `name`: the same for the ranks of one machine and one job, unique otherwise. Waits up to
  // `timeout` for the group to be complete; throws CommError naming what is missing.
  SharedMemoryGroup(const std::string& name, int localRank, int localSize, size_t slotFloats,
                    std::chrono::milliseconds timeout);
  ~SharedMemoryGroup();
  // The bytes of a group's segment: what /dev/shm must have free for it.
  static size_t segmentBytes(int localSize, size_t slotFloats);
  SharedMemoryGroup(const SharedMemoryGroup&) = delete;
  SharedMemoryGroup& operator=(const SharedMemoryGroup&) = delete;

  int localRank() const { return m_localRank; }
  int localSize() const { return m_localSize; }
  size_t slotFloats() const { return m_slotFloats; }
  float* slot(int localRank) const;
  float* result() const;

  // Every local rank waits here until all have arrived. A rank that does not come within the
  // timeout (it died or hangs) makes the others throw CommError.
  void barrier();
  void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }

 private:
  struct Header;

  int m_localRank, m_localSize;
  size_t m_slotFloats, m_bytes = 0;
  std::chrono::milliseconds m_timeout;
  void* m_base = nullptr;
  Header* m_header = nullptr;
};

}  // namespace twb
