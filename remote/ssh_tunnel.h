#pragma once

#include <QString>
#include <atomic>
#include <memory>
#include <thread>

#include "remote/ssh_session.h"

namespace twb::remote {

// Carries local connections to a unix socket on the node through one SSH connection
// (direct-streamlocal channels, like `ssh -L local.sock:remote.sock`): gRPC talks to a local unix
// socket in a private 0700 folder, so only this user's processes can reach it and no port is
// opened anywhere. The tunnel owns the session and runs its I/O on a thread of its own; when the
// connection drops, every carried connection is closed (gRPC sees UNAVAILABLE) and alive()
// turns false.
class SshTunnel {
 public:
  SshTunnel(std::unique_ptr<SshSession> session, const QString& remoteSocket);
  ~SshTunnel();
  SshTunnel(const SshTunnel&) = delete;
  SshTunnel& operator=(const SshTunnel&) = delete;

  QString localSocket() const { return m_localSocket; }
  QString grpcTarget() const { return "unix:" + m_localSocket; }
  bool alive() const { return m_alive; }

 private:
  void pump();

  std::unique_ptr<SshSession> m_session;
  QByteArray m_remoteSocket;
  QString m_folder, m_localSocket;
  int m_listener = -1;
  int m_wake[2] = {-1, -1};
  std::atomic<bool> m_alive{true};
  std::thread m_thread;
};

}  // namespace twb::remote
