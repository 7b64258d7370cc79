#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

namespace twb {

// Tells waiting threads that something changed: a job's folder was written to (watched with
// inotify, so an event appended by a worker process wakes its watchers within microseconds) or
// a job changed state. Waiters compare a counter, so no change between two looks is missed.
class ChangeSignal {
 public:
  ChangeSignal();  // throws twb::Error when inotify is unavailable
  ~ChangeSignal();
  ChangeSignal(const ChangeSignal&) = delete;
  ChangeSignal& operator=(const ChangeSignal&) = delete;

  void watchFolder(const std::string& dir);  // files written in `dir` count as changes
  void notify();
  uint64_t count() const;
  // Returns when count() != seen, or after `timeout`.
  void waitForChange(uint64_t seen, std::chrono::milliseconds timeout) const;

 private:
  void readNotifications();

  int m_inotify = -1;
  int m_wake[2] = {-1, -1};  // a pipe that stops the reader thread
  mutable std::mutex m_mutex;
  mutable std::condition_variable m_changed;
  uint64_t m_count = 0;
  std::thread m_reader;
};

}  // namespace twb
