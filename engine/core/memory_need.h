#pragma once

#include <cstddef>
#include <string>
#include <utility>

#include "core/available_memory.h"
#include "core/error.h"

namespace twb {

// What a group of allocations (a step's values, a model's parameters, an array read whole) takes,
// and the largest of them, added up before any is made: Linux grants more memory than it has and
// kills the process once the pages are touched, so what cannot fit is refused first, with words.
class MemoryNeed {
 public:
  explicit MemoryNeed(std::string what) : m_what(std::move(what)) {}
  // `name`: how the error names it ("'fc1' of [128, 512]"); the largest is named where there are
  // several.
  void add(size_t bytes, const std::string& name);
  size_t total() const { return m_total; }

  // Throws unless the total fits in what this machine has available (swap included, within the
  // process's cgroup limit, shared among the job's ranks here); `remedy` ends the message ("give
  // a smaller batch or smaller inputs").
  void checkAvailable(const std::string& remedy) const;
  // The same against what was available before some of it was made: for allocations checked in
  // parts, the later parts made after the earlier ones touched their pages.
  void checkAvailable(const std::string& remedy, const AvailableMemory& available) const;
  // The error of an allocation that failed all the same (a limit on the process's address space,
  // ulimit -v), with the allocator's words.
  Error notHad(const std::string& allocatorSaid, const std::string& remedy) const;

 private:
  Error error(const std::string& why, const std::string& remedy) const;

  std::string m_what, m_largest;
  size_t m_total = 0, m_largestBytes = 0, m_count = 0;
};

// Memory that passed a check and was allocated, but whose pages are not yet written: Linux counts
// it available until they are, so every check made meanwhile holds it aside, or two checks
// would grant the same memory. Held from the allocation to the first use that writes it.
class MemoryReservation {
 public:
  MemoryReservation() = default;
  explicit MemoryReservation(size_t bytes);
  ~MemoryReservation() { release(); }
  MemoryReservation(MemoryReservation&& other) noexcept : m_bytes(other.m_bytes) {
    other.m_bytes = 0;
  }
  MemoryReservation& operator=(MemoryReservation&& other) noexcept;
  void release();

 private:
  size_t m_bytes = 0;
};

// "17.4 GiB", "312 MiB".
std::string memorySize(double bytes);

// Says that this process is one of `processes` ranks of a job on this machine: they check what
// it has at once and allocate after, so each is held to its share.
void shareMachineMemory(int processes);

}  // namespace twb
