#pragma once

#include <stdexcept>
#include <string>

namespace twb::remote {

// What went wrong while reaching a node, in words the GUI shows as they are. `retryable` tells a
// reconnecting caller whether trying again can help (a dropped connection) or not (a changed host
// key, a refused login, a node that cannot run the engine).
class RemoteError : public std::runtime_error {
 public:
  RemoteError(const std::string& message, bool retryable)
      : std::runtime_error(message), m_retryable(retryable) {}
  bool retryable() const { return m_retryable; }

 private:
  bool m_retryable;
};

}  // namespace twb::remote
