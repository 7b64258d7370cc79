#include "exec/memory_need.h"

#include <cstdint>
#include <cstdio>

#include "core/cpu_info.h"

namespace twb {

std::string gibibytes(double bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f GiB", bytes / double(int64_t{1} << 30));
  return text;
}

void MemoryNeed::add(size_t bytes, const std::string& name) {
  m_total += bytes;
  if (bytes <= m_largestBytes) return;
  m_largestBytes = bytes;
  m_largest = name;
}

void MemoryNeed::checkAvailable(const std::string& remedy) const {
  const int64_t available = availableMemoryBytes();
  if (available > 0 && m_total > static_cast<size_t>(available))
    throw error("this machine has " + gibibytes(double(available)) + " available, swap included",
                remedy);
}

Error MemoryNeed::notHad(const std::string& allocatorSaid, const std::string& remedy) const {
  return error("the memory could not be had (" + allocatorSaid + ")", remedy);
}

Error MemoryNeed::error(const std::string& why, const std::string& remedy) const {
  return Error(m_what + " need " + gibibytes(double(m_total)) + " (the largest, " + m_largest +
               ", " + gibibytes(double(m_largestBytes)) + "); " + why + ": " + remedy);
}

}  // namespace twb
