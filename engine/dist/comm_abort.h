#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

namespace twb {

// Stops a rank's collectives once it is known they cannot complete (PeerWatch found a peer
// silent): the waits registered here are woken, and every collective then throws CommError with
// the reason, instead of waiting out its timeout.
class CommAbort {
 public:
  // The first reason stays; later ones are dropped.
  void raise(const std::string& reason);
  bool raised() const { return m_raised.load(std::memory_order_acquire); }
  // Throws CommError with the reason once raised.
  void check() const;
  // While the returned handle lives, raise() calls `wake` (at once when already raised), from
  // the raising thread: it must only wake a wait, which then calls check().
  [[nodiscard]] std::shared_ptr<void> onRaise(std::function<void()> wake);

 private:
  mutable std::mutex m_mutex;
  std::atomic<bool> m_raised{false};
  std::string m_reason;
  std::map<uint64_t, std::function<void()>> m_wakes;
  uint64_t m_nextWake = 0;
};

}  // namespace twb
