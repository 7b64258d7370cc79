#pragma once

#include <libssh/libssh.h>

#include <QString>
#include <atomic>
#include <memory>
#include <thread>

namespace twb::remote {

class SshSession;

// One ProxyJump hop: a direct-tcpip channel from a connected bastion to HOST:PORT, carried to a
// local socket that the next SSH session uses as its connection (SSH_OPTIONS_FD). The bastion's
// session belongs to the hop's thread from then on; the hop ends when the next session closes its
// end, or when the bastion drops the channel.
class SshJump {
 public:
  // Throws RemoteError when the bastion refuses the channel (AllowTcpForwarding no, no route).
  SshJump(std::unique_ptr<SshSession> bastion, const QString& host, int port);
  ~SshJump();
  SshJump(const SshJump&) = delete;
  SshJump& operator=(const SshJump&) = delete;

  // The next session's end; it owns it from SSH_OPTIONS_FD on (libssh closes it).
  int takeSocket();

 private:
  void pump();

  std::unique_ptr<SshSession> m_bastion;
  ssh_channel m_channel = nullptr;
  int m_local = -1, m_remote = -1;  // socketpair: ours, and the next session's
  std::atomic<bool> m_stopping{false};
  std::thread m_thread;
};

}  // namespace twb::remote
