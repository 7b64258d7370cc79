#include "remote/ssh_tunnel.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <QDir>
#include <chrono>
#include <cstring>
#include <vector>

#include "remote/remote_error.h"

namespace twb::remote {

namespace {
constexpr auto kKeepAlive = std::chrono::seconds(5);

// One local connection and the SSH channel that carries it.
struct Link {
  int fd = -1;
  ssh_channel channel = nullptr;
  bool localEof = false;
};

void closeLink(Link& link) {
  if (link.channel) {
    ssh_channel_close(link.channel);
    ssh_channel_free(link.channel);
  }
  if (link.fd >= 0) ::close(link.fd);
  link = Link();
}

bool writeAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);  // a closed peer is no signal
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}
}  // namespace

SshTunnel::SshTunnel(std::unique_ptr<SshSession> session, const QString& remoteSocket)
    : m_session(std::move(session)), m_remoteSocket(remoteSocket.toUtf8()) {
  const QByteArray runtime = qEnvironmentVariableIsSet("XDG_RUNTIME_DIR")
                                 ? qgetenv("XDG_RUNTIME_DIR")
                                 : QByteArray("/tmp");
  QByteArray pattern = runtime + "/twb-tunnel-XXXXXX";
  if (!::mkdtemp(pattern.data()))  // mkdtemp makes it 0700
    throw RemoteError("cannot create the tunnel's folder in " + runtime.toStdString(), false);
  m_folder = QString::fromUtf8(pattern);
  m_localSocket = m_folder + "/node.sock";
  m_listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::strncpy(address.sun_path, m_localSocket.toUtf8().constData(), sizeof address.sun_path - 1);
  if (::bind(m_listener, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0 ||
      ::listen(m_listener, 64) != 0 || ::pipe2(m_wake, O_CLOEXEC) != 0)
    throw RemoteError("cannot listen on " + m_localSocket.toStdString(), false);
  m_thread = std::thread([this] { pump(); });
}

SshTunnel::~SshTunnel() {
  const char stop = 1;
  if (::write(m_wake[1], &stop, 1) == 1) m_thread.join();
  else m_thread.detach();
  ::close(m_wake[0]);
  ::close(m_wake[1]);
  QDir(m_folder).removeRecursively();
}

void SshTunnel::pump() {
  std::vector<Link> links;
  char buffer[65536];
  auto lastKeepAlive = std::chrono::steady_clock::now();
  bool pending = false;  // data may wait in libssh's buffers without the socket being readable
  while (m_session->isConnected()) {
    std::vector<pollfd> fds = {{m_wake[0], POLLIN, 0}, {m_listener, POLLIN, 0},
                               {ssh_get_fd(m_session->handle()), POLLIN, 0}};
    for (const Link& link : links) fds.push_back({link.localEof ? -1 : link.fd, POLLIN, 0});
    if (::poll(fds.data(), fds.size(), pending ? 0 : 200) < 0 && errno != EINTR) break;
    if (fds[0].revents) break;
    const size_t polled = links.size();  // a link accepted now has no pollfd before the next round
    if (fds[1].revents & POLLIN) {
      Link link;
      link.fd = ::accept4(m_listener, nullptr, nullptr, SOCK_CLOEXEC);
      link.channel = ssh_channel_new(m_session->handle());
      if (link.fd >= 0 && link.channel &&
          ssh_channel_open_forward_unix(link.channel, m_remoteSocket.constData(), "127.0.0.1",
                                        0) == SSH_OK)
        links.push_back(link);
      else
        closeLink(link);
    }
    pending = false;
    for (size_t i = 0; i < links.size(); ++i) {
      Link& link = links[i];
      bool broken = false;
      if (i < polled && fds[3 + i].revents & (POLLIN | POLLHUP | POLLERR)) {
        const ssize_t n = ::read(link.fd, buffer, sizeof buffer);
        if (n > 0) broken = ssh_channel_write(link.channel, buffer, n) != n;
        else if (n == 0 || errno != EAGAIN) {
          link.localEof = true;
          ssh_channel_send_eof(link.channel);
        }
      }
      while (!broken) {
        const int n = ssh_channel_read_nonblocking(link.channel, buffer, sizeof buffer, 0);
        if (n > 0) broken = !writeAll(link.fd, buffer, n);
        else if (n < 0 || ssh_channel_is_eof(link.channel)) broken = true;
        if (n <= 0) break;
      }
      if (!broken && ssh_channel_poll(link.channel, 0) > 0) pending = true;
      if (broken || ssh_channel_is_closed(link.channel)) closeLink(link);
    }
    std::erase_if(links, [](const Link& l) { return l.fd < 0; });
    // Writing something now and then is what tells a silently dead connection apart.
    if (std::chrono::steady_clock::now() - lastKeepAlive > kKeepAlive) {
      lastKeepAlive = std::chrono::steady_clock::now();
      if (ssh_send_ignore(m_session->handle(), "") != SSH_OK) break;
    }
  }
  m_alive = false;
  for (Link& link : links) closeLink(link);
  ::close(m_listener);
  ::unlink(m_localSocket.toUtf8().constData());
}

}  // namespace twb::remote
