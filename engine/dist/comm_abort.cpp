#include "dist/comm_abort.h"

#include "dist/communicator.h"

namespace twb {

void CommAbort::raise(const std::string& reason) {
  std::lock_guard lock(m_mutex);
  if (m_raised.load()) return;
  m_reason = reason;
  m_raised.store(true, std::memory_order_release);
  for (auto& [id, wake] : m_wakes) wake();
}

void CommAbort::check() const {
  if (!raised()) return;
  std::lock_guard lock(m_mutex);
  throw CommError(m_reason);
}

std::shared_ptr<void> CommAbort::onRaise(std::function<void()> wake) {
  std::lock_guard lock(m_mutex);
  if (m_raised.load()) wake();
  const uint64_t id = m_nextWake++;
  m_wakes.emplace(id, std::move(wake));
  return std::shared_ptr<void>(nullptr, [this, id](void*) {
    std::lock_guard lock(m_mutex);
    m_wakes.erase(id);
  });
}

}  // namespace twb
