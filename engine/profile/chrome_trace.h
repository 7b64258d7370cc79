#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace twb {

// A trace in the Trace Event format that chrome://tracing and Perfetto open: complete ("X")
// events with microsecond timestamps, one thread row per category.
constexpr int kFirstCommunicationRow = 10;

class ChromeTrace {
 public:
  // `tid` groups slices into rows (1: compute, 2: data loading, kFirstCommunicationRow + r:
  // rank r's all-reduces).
  void addSlice(const std::string& name, const std::string& category, double startUs,
                double durationUs, int tid, nlohmann::json args = nlohmann::json::object());
  size_t size() const { return m_events.size(); }
  // Writes {"traceEvents": [...], "displayTimeUnit": "ms"} (to PATH.tmp, then renamed).
  void write(const std::string& path) const;

 private:
  nlohmann::json m_events = nlohmann::json::array();
};

}  // namespace twb
