#pragma once

#include <cstdio>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace twb {

// The events of a run (docs/events.md): JSON objects with "seq" (1, 2, 3, ... with no gap),
// "type" (step, eval, profile, log, state) and "time" (Unix seconds), appended one per line to
// a file when one is open and handed to every listener (the progress bar, the node service).
class EventLog {
 public:
  using Listener = std::function<void(const nlohmann::json&)>;

  EventLog() = default;
  ~EventLog();
  EventLog(const EventLog&) = delete;
  EventLog& operator=(const EventLog&) = delete;

  // Appends to `path` (created if absent); throws twb::Error when it cannot be opened.
  void open(const std::string& path);
  void addListener(Listener listener) { m_listeners.push_back(std::move(listener)); }

  // Adds seq, type and time to `fields` and publishes it; returns the event.
  nlohmann::json publish(const std::string& type, nlohmann::json fields = nlohmann::json::object());
  void log(const std::string& level, const std::string& message);

 private:
  std::FILE* m_file = nullptr;
  int64_t m_seq = 0;
  std::vector<Listener> m_listeners;
};

}  // namespace twb
