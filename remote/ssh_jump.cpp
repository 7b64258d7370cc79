#include "remote/ssh_jump.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "remote/remote_error.h"
#include "remote/ssh_session.h"

namespace twb::remote {

namespace {
constexpr int kWaitMs = 100;  // how soon an idle hop notices it is being closed

bool writeAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}
}  // namespace

SshJump::SshJump(std::unique_ptr<SshSession> bastion, const QString& host, int port)
    : m_bastion(std::move(bastion)) {
  const ssh_session session = m_bastion->handle();
  m_channel = ssh_channel_new(session);
  if (!m_channel || ssh_channel_open_forward(m_channel, host.toUtf8().constData(), port,
                                             "127.0.0.1", 0) != SSH_OK) {
    const QString error = ssh_get_error(session);
    if (m_channel) ssh_channel_free(m_channel);
    throw RemoteError((m_bastion->target().display() + ": the jump host cannot reach " + host +
                       ":" + QString::number(port) + ": " + error)
                          .toStdString(),
                      true);
  }
  int pair[2];
  if (::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
    ssh_channel_free(m_channel);
    throw RemoteError("cannot make a socket pair for a jump host", false);
  }
  m_local = pair[0];
  m_remote = pair[1];
  m_thread = std::thread([this] { pump(); });
}

SshJump::~SshJump() {
  m_stopping = true;
  m_thread.join();
  ssh_channel_close(m_channel);
  ssh_channel_free(m_channel);
  ::close(m_local);
  if (m_remote >= 0) ::close(m_remote);
}

int SshJump::takeSocket() { return std::exchange(m_remote, -1); }

void SshJump::pump() {
  char buffer[64 * 1024];
  const int bastion = ssh_get_fd(m_bastion->handle());
  while (!m_stopping) {
    // What the bastion sent for the channel (libssh reads its socket here, without waiting).
    const int got = ssh_channel_read_nonblocking(m_channel, buffer, sizeof buffer, 0);
    if (got > 0) {
      if (!writeAll(m_local, buffer, static_cast<size_t>(got))) break;
      continue;
    }
    if (got == SSH_ERROR || ssh_channel_is_eof(m_channel)) {
      ::shutdown(m_local, SHUT_WR);  // the next session sees its connection end
      break;
    }
    pollfd ready[2] = {{bastion, POLLIN, 0}, {m_local, POLLIN, 0}};
    if (::poll(ready, 2, kWaitMs) <= 0 || !(ready[1].revents & (POLLIN | POLLHUP))) continue;
    const ssize_t n = ::read(m_local, buffer, sizeof buffer);
    if (n <= 0) {
      ssh_channel_send_eof(m_channel);  // the next session closed its end
      break;
    }
    if (ssh_channel_write(m_channel, buffer, static_cast<uint32_t>(n)) == SSH_ERROR) break;
  }
}

}  // namespace twb::remote
