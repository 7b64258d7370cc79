#include "train/event_log.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/file_writing.h"

namespace twb {

EventLog::~EventLog() {
  if (m_file) std::fclose(m_file);
}

void EventLog::open(const std::string& path) {
  checkFileCanBeWritten(path);  // a missing folder is named as for every file the engine writes
  // A resumed run appends to its events file and continues its numbering, so seq has no gap.
  // A last line without its newline was torn by a crash or power cut: it is cut off, so the
  // next event starts on a line of its own.
  std::ifstream existing(path, std::ios::binary);
  if (existing) {
    const std::string text((std::istreambuf_iterator<char>(existing)), {});
    const size_t complete = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
    std::istringstream lines(text.substr(0, complete));
    for (std::string line; std::getline(lines, line);) {
      const auto event = nlohmann::json::parse(line, nullptr, false);
      if (event.is_object() && event.contains("seq") && event["seq"].is_number_integer())
        m_seq = std::max<int64_t>(m_seq, event["seq"].get<int64_t>());
    }
    existing.close();
    if (complete < text.size()) std::filesystem::resize_file(path, complete);
  }
  m_file = std::fopen(path.c_str(), "a");
  if (!m_file) throw Error(path + ": cannot open the events file: " + std::strerror(errno));
}

nlohmann::json EventLog::publish(const std::string& type, nlohmann::json fields) {
  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  nlohmann::json event = {{"seq", ++m_seq}, {"type", type}, {"time", now}};
  event.update(fields);
  if (m_file) {
    const std::string line = event.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), m_file);
    std::fflush(m_file);  // a reader following the file sees each event as it happens
  }
  for (const auto& listener : m_listeners) listener(event);
  return event;
}

void EventLog::log(const std::string& level, const std::string& message) {
  publish("log", {{"level", level}, {"message", message}});
}

}  // namespace twb
