#include "rpc/event_log_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

namespace twb {

namespace {
// A line is an event when it is an object with an integer seq and, where present, a string type
// and a numeric time; anything else is corruption, skipped.
bool isEvent(const nlohmann::json& event) {
  return event.is_object() && event.contains("seq") && event["seq"].is_number_integer() &&
         (!event.contains("type") || event["type"].is_string()) &&
         (!event.contains("time") || event["time"].is_number());
}
}  // namespace

EventLogReader::~EventLogReader() {
  if (m_fd >= 0) ::close(m_fd);
}

std::vector<EventRecord> EventLogReader::readNew(int64_t afterSeq) {
  std::vector<EventRecord> records;
  if (m_fd < 0) {
    m_fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_fd < 0) return records;  // not written yet
  }
  char buffer[1 << 16];
  for (;;) {
    const ssize_t n = ::pread(m_fd, buffer, sizeof buffer, m_offset);
    if (n <= 0) break;
    m_offset += n;
    size_t lineStart = 0;
    for (ssize_t i = 0; i < n; ++i) {
      if (buffer[i] != '\n') continue;
      m_pending.append(buffer + lineStart, i - lineStart);
      lineStart = i + 1;
      auto event = nlohmann::json::parse(m_pending, nullptr, false);
      if (isEvent(event) && event["seq"].get<int64_t>() > afterSeq) {
        EventRecord record;
        record.seq = event["seq"].get<int64_t>();
        record.type = event.value("type", "");
        record.time = event.value("time", 0.0);
        record.json = std::move(m_pending);
        records.push_back(std::move(record));
      }
      m_pending.clear();
    }
    m_pending.append(buffer + lineStart, n - lineStart);
  }
  return records;
}

std::optional<nlohmann::json> lastStateEvent(const std::string& path) {
  EventLogReader reader(path);
  std::optional<nlohmann::json> last;
  for (const EventRecord& record : reader.readNew())
    if (record.type == "state") last = nlohmann::json::parse(record.json);
  return last;
}

int64_t lastEventSeq(const std::string& path) {
  // Only the tail is read: a list of many jobs with long logs stays cheap.
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  const off_t size = ::lseek(fd, 0, SEEK_END);
  std::string tail(static_cast<size_t>(std::min<off_t>(size, 1 << 16)), '\0');
  const ssize_t n = ::pread(fd, tail.data(), tail.size(), size - static_cast<off_t>(tail.size()));
  ::close(fd);
  tail.resize(n > 0 ? n : 0);
  size_t end = tail.rfind('\n');
  while (end != std::string::npos && end > 0) {
    const size_t start = tail.rfind('\n', end - 1);
    const size_t from = start == std::string::npos ? 0 : start + 1;
    const auto event = nlohmann::json::parse(tail.substr(from, end - from), nullptr, false);
    if (isEvent(event)) return event["seq"].get<int64_t>();
    if (start == std::string::npos) break;
    end = start;
  }
  return 0;
}

}  // namespace twb
