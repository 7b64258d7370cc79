#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace twb {

class CommAbort;
class Communicator;

// The ranks of one machine meeting in a POSIX shared-memory segment: a slot of floats per rank,
// one result area, and a barrier (futex-based, so waiting ranks sleep). Local rank 0 creates the
// segment, the others open it; it is unlinked as soon as every rank has it mapped, so nothing
// stays in /dev/shm after the job, even when ranks are killed.
class SharedMemoryGroup {
 public:
  // `name`: the same for the ranks of one machine and one job, unique otherwise. Waits up to
  // `timeout` for the group to be complete; throws CommError naming what is missing.
  // `withResult`: whether the segment has the result area after the slots.
  SharedMemoryGroup(const std::string& name, int localRank, int localSize, size_t slotFloats,
                    std::chrono::milliseconds timeout, bool withResult = true);
  ~SharedMemoryGroup();
  // The bytes of a group's segment: what /dev/shm must have free for it.
  static size_t segmentBytes(int localSize, size_t slotFloats, bool withResult = true);
  SharedMemoryGroup(const SharedMemoryGroup&) = delete;
  SharedMemoryGroup& operator=(const SharedMemoryGroup&) = delete;

  int localRank() const { return m_localRank; }
  int localSize() const { return m_localSize; }
  size_t slotFloats() const { return m_slotFloats; }
  float* slot(int localRank) const;
  float* result() const;  // only in a segment made with a result area

  // Every local rank waits here until all have arrived. A rank that does not come within the
  // timeout (it died or hangs) makes the others throw CommError.
  void barrier();
  void setTimeout(std::chrono::milliseconds timeout) { m_timeout = timeout; }
  // Once `abort` is raised, barriers throw its CommError, a waiting one within 0.1 s.
  void watch(std::shared_ptr<CommAbort> abort) { m_abort = std::move(abort); }
  const std::shared_ptr<CommAbort>& abort() const { return m_abort; }
  std::chrono::milliseconds timeout() const { return m_timeout; }

 private:
  struct Header;

  int m_localRank, m_localSize;
  size_t m_slotFloats, m_bytes = 0;
  std::chrono::milliseconds m_timeout;
  void* m_base = nullptr;
  Header* m_header = nullptr;
  std::shared_ptr<CommAbort> m_abort;
};

// The first rank of `world` whose machine has less than `bytes` free in /dev/shm, agreed over
// `world` so that all ranks choose alike; -1 when every machine has room. A container's small
// /dev/shm (64 MiB by default in Docker) would otherwise end in SIGBUS or a refusal.
int rankShortOfSharedMemory(Communicator& world, size_t bytes);

}  // namespace twb
