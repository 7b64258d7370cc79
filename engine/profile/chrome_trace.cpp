#include "profile/chrome_trace.h"

#include <set>

#include "core/file_writing.h"

namespace twb {

void ChromeTrace::addSlice(const std::string& name, const std::string& category, double startUs,
                           double durationUs, int tid, nlohmann::json args) {
  m_events.push_back({{"name", name},
                      {"cat", category},
                      {"ph", "X"},
                      {"ts", startUs},
                      {"dur", durationUs},
                      {"pid", 1},
                      {"tid", tid},
                      {"args", std::move(args)}});
}

void ChromeTrace::write(const std::string& path) const {
  nlohmann::json doc = {{"traceEvents", m_events}, {"displayTimeUnit", "ms"}};
  doc["traceEvents"].push_back(
      {{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 1}, {"args", {{"name", "compute"}}}});
  doc["traceEvents"].push_back(
      {{"name", "thread_name"}, {"ph", "M"}, {"pid", 1}, {"tid", 2}, {"args", {{"name", "data"}}}});
  std::set<int> communicationRows;
  for (const auto& e : m_events)
    if (e["tid"].get<int>() >= kFirstCommunicationRow)
      communicationRows.insert(e["tid"].get<int>());
  for (int row : communicationRows)
    doc["traceEvents"].push_back(
        {{"name", "thread_name"},
         {"ph", "M"},
         {"pid", 1},
         {"tid", row},
         {"args", {{"name", "all-reduce, rank " + std::to_string(row - kFirstCommunicationRow)}}}});
  writeFileWhole(path, doc.dump());
}

}  // namespace twb
