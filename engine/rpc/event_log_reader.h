#pragma once

#include <cstdint>
#include <optional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace twb {

// One record of a job's events log (docs/events.md): the JSON line and the fields a stream
// needs without parsing it again.
struct EventRecord {
  int64_t seq = 0;
  std::string type;
  double time = 0;
  std::string json;
};

// Reads an events log as it grows: each call returns the records appended since the previous
// call. A last line without its newline is an event still being written, or one torn by a crash:
// it is kept back until its newline arrives and is never returned half. A line that is not a
// JSON event (corruption) is skipped, never fatal. Not thread-safe: one reader per consumer.
class EventLogReader {
 public:
  explicit EventLogReader(std::string path) : m_path(std::move(path)) {}
  ~EventLogReader();
  EventLogReader(const EventLogReader&) = delete;
  EventLogReader& operator=(const EventLogReader&) = delete;

  // The complete records added since the last call whose seq is greater than `afterSeq`.
  std::vector<EventRecord> readNew(int64_t afterSeq = 0);

 private:
  std::string m_path;
  int m_fd = -1;
  int64_t m_offset = 0;
  std::string m_pending;  // bytes after the last newline
};

// The last "state" event in the log at `path`, if any.
std::optional<nlohmann::json> lastStateEvent(const std::string& path);
// The highest seq in the log at `path` (0 when empty or absent).
int64_t lastEventSeq(const std::string& path);

}  // namespace twb
