#include "core/memory_need.h"

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>

namespace twb {

std::string memorySize(double bytes) {
  char text[32];
  if (bytes < double(int64_t{1} << 30))
    std::snprintf(text, sizeof text, "%.0f MiB", bytes / double(int64_t{1} << 20));
  else
    std::snprintf(text, sizeof text, "%.1f GiB", bytes / double(int64_t{1} << 30));
  return text;
}

void MemoryNeed::add(size_t bytes, const std::string& name) {
  m_total += bytes;
  ++m_count;
  if (bytes <= m_largestBytes) return;
  m_largestBytes = bytes;
  m_largest = name;
}

namespace {
int g_processesSharing = 1;
std::atomic<size_t> g_reserved{0};  // by MemoryReservation

// "this machine has 21.3 GiB available, swap included"
std::string whatIsAvailable(const AvailableMemory& available) {
  if (available.cgroup.empty())
    return "this machine has " + memorySize(double(available.bytes)) + " available, swap included";
  return "the memory cgroup " + available.cgroup + " allows " +
         memorySize(double(available.bytes)) + " more (its limit is " +
         memorySize(double(available.cgroupLimit)) + ", " +
         memorySize(double(available.cgroupUsed)) + " of it in use)";
}
}  // namespace

void shareMachineMemory(int processes) { g_processesSharing = processes; }

MemoryReservation::MemoryReservation(size_t bytes) : m_bytes(bytes) { g_reserved += bytes; }

MemoryReservation& MemoryReservation::operator=(MemoryReservation&& other) noexcept {
  if (this == &other) return *this;
  release();
  m_bytes = other.m_bytes;
  other.m_bytes = 0;
  return *this;
}

void MemoryReservation::release() {
  g_reserved -= m_bytes;
  m_bytes = 0;
}

void MemoryNeed::checkAvailable(const std::string& remedy) const {
  checkAvailable(remedy, availableMemory());
}

void MemoryNeed::checkAvailable(const std::string& remedy, const AvailableMemory& available) const {
  if (available.bytes <= 0 && available.cgroup.empty()) return;  // /proc says nothing
  // Nothing to allocate takes nothing: not refused where earlier grants already hold more than
  // is left (an optimizer without state said "need 0 MiB (the largest, , 0 MiB)").
  if (m_total == 0) return;
  const size_t share =
      static_cast<size_t>(available.bytes) / static_cast<size_t>(g_processesSharing);
  const size_t reserved = g_reserved;
  if (m_total + reserved <= share) return;
  std::string why = whatIsAvailable(available);
  std::string advice = remedy;
  if (g_processesSharing > 1) {
    why += ", " + memorySize(double(share)) + " for each of the job's " +
           std::to_string(g_processesSharing) + " ranks here";
    advice += ", or run fewer ranks on this machine";
  }
  if (reserved > 0)
    why += ", " + memorySize(double(std::min(reserved, share))) +
           " of it promised to buffers this process made and has not yet written";
  throw error(why, advice);
}

Error MemoryNeed::notHad(const std::string& allocatorSaid, const std::string& remedy) const {
  return error("the memory could not be had (" + allocatorSaid + ")", remedy);
}

Error MemoryNeed::error(const std::string& why, const std::string& remedy) const {
  const std::string which =
      m_count == 1 ? m_largest
                   : "the largest, " + m_largest + ", " + memorySize(double(m_largestBytes));
  return Error(m_what + " need " + memorySize(double(m_total)) + " (" + which + "); " + why + ": " +
               remedy);
}

}  // namespace twb
