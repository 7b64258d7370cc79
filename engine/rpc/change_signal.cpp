#include "rpc/change_signal.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <cstring>

#include "core/error.h"

namespace twb {

ChangeSignal::ChangeSignal() {
  m_inotify = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (m_inotify < 0 || ::pipe2(m_wake, O_CLOEXEC) != 0)
    throw Error(std::string("cannot watch job folders (inotify): ") + std::strerror(errno));
  m_reader = std::thread([this] { readNotifications(); });
}

ChangeSignal::~ChangeSignal() {
  const char stop = 1;
  if (::write(m_wake[1], &stop, 1) != 1) std::terminate();
  m_reader.join();
  ::close(m_inotify);
  ::close(m_wake[0]);
  ::close(m_wake[1]);
}

void ChangeSignal::watchFolder(const std::string& dir) {
  if (::inotify_add_watch(m_inotify, dir.c_str(), IN_MODIFY | IN_CLOSE_WRITE | IN_MOVED_TO) < 0)
    throw Error(dir + ": cannot watch: " + std::strerror(errno));
}

void ChangeSignal::notify() {
  {
    std::lock_guard lock(m_mutex);
    ++m_count;
  }
  m_changed.notify_all();
}

uint64_t ChangeSignal::count() const {
  std::lock_guard lock(m_mutex);
  return m_count;
}

void ChangeSignal::waitForChange(uint64_t seen, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(m_mutex);
  m_changed.wait_for(lock, timeout, [&] { return m_count != seen; });
}

void ChangeSignal::readNotifications() {
  pollfd fds[2] = {{m_inotify, POLLIN, 0}, {m_wake[0], POLLIN, 0}};
  alignas(inotify_event) char buffer[8192];
  for (;;) {
    if (::poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents) return;
    if (!(fds[0].revents & POLLIN)) continue;
    while (::read(m_inotify, buffer, sizeof buffer) > 0) {
    }
    notify();
  }
}

}  // namespace twb
