#include "dist/rendezvous.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace twb {

namespace {
using Clock = std::chrono::steady_clock;
constexpr size_t kNonce = 32, kMac = 32;
constexpr uint32_t kMaxField = 1 << 20;  // keys and values are addresses: small
constexpr auto kServerIdle = std::chrono::milliseconds(200);

std::string hex(const unsigned char* bytes, size_t n) {
  static const char* digits = "0123456789abcdef";
  std::string out;
  for (size_t i = 0; i < n; ++i) {
    out += digits[bytes[i] >> 4];
    out += digits[bytes[i] & 15];
  }
  return out;
}

std::vector<unsigned char> randomBytes(size_t n) {
  std::vector<unsigned char> out(n);
  if (RAND_bytes(out.data(), static_cast<int>(n)) != 1) throw Error("rendezvous: no random bytes");
  return out;
}

// HMAC-SHA256(secret, role || nonce): proves the secret without sending it.
std::vector<unsigned char> proof(const std::string& secret, const char* role,
                                 const std::vector<unsigned char>& nonce) {
  std::vector<unsigned char> message(role, role + std::strlen(role));
  message.insert(message.end(), nonce.begin(), nonce.end());
  std::vector<unsigned char> mac(kMac);
  unsigned int length = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()), message.data(), message.size(),
       mac.data(), &length);
  return mac;
}

bool sameMac(const std::vector<unsigned char>& a, const std::vector<unsigned char>& b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// Blocking I/O with a deadline; false when the peer closed, timed out or `stop` was set.
bool waitReady(int fd, short events, Clock::time_point deadline, const std::atomic<bool>* stop) {
  for (;;) {
    if (stop && stop->load()) return false;
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) return false;
    pollfd p{fd, events, 0};
    const int r = ::poll(&p, 1, static_cast<int>(std::min<int64_t>(left.count(), 200)));
    if (r > 0) return true;
    if (r < 0 && errno != EINTR) return false;
  }
}

bool readAll(int fd, void* data, size_t n, Clock::time_point deadline,
             const std::atomic<bool>* stop = nullptr) {
  auto* p = static_cast<char*>(data);
  while (n > 0) {
    if (!waitReady(fd, POLLIN, deadline, stop)) return false;
    const ssize_t r = ::recv(fd, p, n, 0);
    if (r == 0 || (r < 0 && errno != EINTR && errno != EAGAIN)) return false;
    if (r > 0) p += r, n -= static_cast<size_t>(r);
  }
  return true;
}

bool writeAll(int fd, const void* data, size_t n, Clock::time_point deadline) {
  const auto* p = static_cast<const char*>(data);
  while (n > 0) {
    if (!waitReady(fd, POLLOUT, deadline, nullptr)) return false;
    const ssize_t r = ::send(fd, p, n, MSG_NOSIGNAL);
    if (r < 0 && errno != EINTR && errno != EAGAIN) return false;
    if (r > 0) p += r, n -= static_cast<size_t>(r);
  }
  return true;
}

bool writeField(int fd, const void* data, uint32_t n, Clock::time_point deadline) {
  const uint32_t length = htonl(n);
  return writeAll(fd, &length, 4, deadline) && writeAll(fd, data, n, deadline);
}

bool readField(int fd, std::vector<char>& out, Clock::time_point deadline,
               const std::atomic<bool>* stop = nullptr) {
  uint32_t length = 0;
  if (!readAll(fd, &length, 4, deadline, stop)) return false;
  length = ntohl(length);
  if (length > kMaxField) return false;
  out.resize(length);
  return readAll(fd, out.data(), length, deadline, stop);
}

addrinfo* resolve(const std::string& host, int port, bool passive) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = passive ? AI_PASSIVE : 0;
  addrinfo* found = nullptr;
  const int rc = ::getaddrinfo(host.empty() ? nullptr : host.c_str(), std::to_string(port).c_str(),
                               &hints, &found);
  if (rc != 0) throw Error("rendezvous: cannot resolve '" + host + "': " + ::gai_strerror(rc));
  return found;
}
}  // namespace

RendezvousAddress RendezvousAddress::parse(const std::string& text) {
  const size_t colon = text.rfind(':');
  RendezvousAddress a;
  if (colon != std::string::npos && colon > 0) {
    a.host = text.substr(0, colon);
    if (a.host.front() == '[' && a.host.back() == ']') a.host = a.host.substr(1, a.host.size() - 2);
    try {
      a.port = std::stoi(text.substr(colon + 1));
    } catch (const std::exception&) {
      a.port = 0;
    }
  }
  if (a.host.empty() || a.port <= 0 || a.port > 65535)
    throw Error("rendezvous address '" + text + "' is not HOST:PORT");
  return a;
}

std::string RendezvousAddress::toString() const {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

int freePort(const std::string& host) {
  addrinfo* found = resolve(host, 0, true);
  int port = 0;
  std::string failure = "no address";
  for (addrinfo* a = found; a && port == 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    sockaddr_storage bound{};
    socklen_t length = sizeof bound;
    if (fd >= 0 && ::bind(fd, a->ai_addr, a->ai_addrlen) == 0 &&
        ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &length) == 0)
      port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                               : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
    else
      failure = std::strerror(errno);
    if (fd >= 0) ::close(fd);
  }
  ::freeaddrinfo(found);
  if (port == 0)
    throw Error("rendezvous: this machine cannot listen on " + host + " (" + failure +
                "): it is not one of its addresses");
  return port;
}

std::string localAddressTowards(const RendezvousAddress& to) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_DGRAM;
  addrinfo* found = nullptr;
  if (::getaddrinfo(to.host.c_str(), std::to_string(to.port).c_str(), &hints, &found) != 0)
    throw Error("rendezvous host '" + to.host + "' cannot be resolved");
  std::string address;
  const int fd = ::socket(found->ai_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) == 0) {
    sockaddr_storage local{};
    socklen_t length = sizeof local;
    char text[INET6_ADDRSTRLEN] = {};
    if (::getsockname(fd, reinterpret_cast<sockaddr*>(&local), &length) == 0 &&
        ::getnameinfo(reinterpret_cast<sockaddr*>(&local), length, text, sizeof text, nullptr, 0,
                      NI_NUMERICHOST) == 0)
      address = text;
  }
  if (fd >= 0) ::close(fd);
  ::freeaddrinfo(found);
  if (address.empty()) throw Error("no route from this host to the rendezvous " + to.toString());
  return address;
}

std::string makeRendezvousSecret() {
  const auto bytes = randomBytes(32);
  return hex(bytes.data(), bytes.size());
}

RendezvousServer::RendezvousServer(const std::string& host, int port, std::string secret)
    : m_secret(std::move(secret)) {
  addrinfo* found = resolve(host, port, true);
  std::string failure = "no address";
  for (addrinfo* a = found; a && m_listenFd < 0; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    const int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (::bind(fd, a->ai_addr, a->ai_addrlen) == 0 && ::listen(fd, 64) == 0) {
      m_listenFd = fd;
    } else {
      failure = std::strerror(errno);
      ::close(fd);
    }
  }
  ::freeaddrinfo(found);
  if (m_listenFd < 0)
    throw Error("rendezvous: cannot listen on " + host + ":" + std::to_string(port) + ": " +
                failure);
  sockaddr_storage bound{};
  socklen_t length = sizeof bound;
  ::getsockname(m_listenFd, reinterpret_cast<sockaddr*>(&bound), &length);
  m_port = ntohs(bound.ss_family == AF_INET6 ? reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port
                                             : reinterpret_cast<sockaddr_in*>(&bound)->sin_port);
  m_acceptor = std::thread([this] { acceptLoop(); });
}

RendezvousServer::~RendezvousServer() { close(); }

void RendezvousServer::close() {
  if (m_closing.exchange(true)) return;
  if (m_acceptor.joinable()) m_acceptor.join();
  ::close(m_listenFd);
  std::vector<std::thread> threads;
  {
    std::lock_guard lock(m_mutex);
    threads.swap(m_threads);
  }
  for (auto& t : threads) t.join();
}

void RendezvousServer::acceptLoop() {
  while (!m_closing) {
    pollfd p{m_listenFd, POLLIN, 0};
    if (::poll(&p, 1, static_cast<int>(kServerIdle.count())) <= 0) continue;
    const int fd = ::accept4(m_listenFd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;
    std::lock_guard lock(m_mutex);
    m_threads.emplace_back([this, fd] {
      serve(fd);
      ::close(fd);
    });
  }
}

void RendezvousServer::serve(int fd) {
  // A client has a few seconds to prove the secret; then it may stay while the server runs.
  const auto handshake = Clock::now() + std::chrono::seconds(5);
  const auto nonce = randomBytes(kNonce);
  if (!writeAll(fd, nonce.data(), kNonce, handshake)) return;
  std::vector<unsigned char> clientNonce(kNonce), clientMac(kMac);
  if (!readAll(fd, clientNonce.data(), kNonce, handshake, &m_closing) ||
      !readAll(fd, clientMac.data(), kMac, handshake, &m_closing))
    return;
  const bool accepted = sameMac(clientMac, proof(m_secret, "twb-rank", nonce));
  const unsigned char verdict = accepted ? 1 : 0;
  if (!writeAll(fd, &verdict, 1, handshake) || !accepted) return;
  const auto serverMac = proof(m_secret, "twb-rendezvous", clientNonce);
  if (!writeAll(fd, serverMac.data(), kMac, handshake)) return;

  const auto forever = Clock::time_point::max();
  std::vector<char> key, value;
  for (;;) {
    char op = 0;
    if (!readAll(fd, &op, 1, forever, &m_closing) || !readField(fd, key, forever, &m_closing))
      return;
    const std::string name(key.begin(), key.end());
    const auto reply = Clock::now() + std::chrono::seconds(5);
    if (op == 'S') {
      if (!readField(fd, value, forever, &m_closing)) return;
      {
        std::lock_guard lock(m_mutex);
        m_values[name] = value;
      }
      if (!writeAll(fd, "k", 1, reply)) return;
    } else if (op == 'G') {
      bool found = false;
      {
        std::lock_guard lock(m_mutex);
        auto it = m_values.find(name);
        if (it != m_values.end()) found = true, value = it->second;
      }
      const char flag = found ? 1 : 0;
      if (!writeAll(fd, &flag, 1, reply)) return;
      if (found && !writeField(fd, value.data(), static_cast<uint32_t>(value.size()), reply))
        return;
    } else {
      return;  // not our protocol
    }
  }
}

RendezvousStore::RendezvousStore(const RendezvousAddress& address, const std::string& secret,
                                 std::chrono::milliseconds timeout)
    : m_address(address), m_timeout(timeout) {
  const auto deadline = Clock::now() + timeout;
  std::string failure;
  while (m_fd < 0) {
    addrinfo* found = resolve(address.host, address.port, false);
    for (addrinfo* a = found; a && m_fd < 0; a = a->ai_next) {
      const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
      if (fd < 0) continue;
      if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) {
        m_fd = fd;
      } else {
        failure = std::strerror(errno);
        ::close(fd);
      }
    }
    ::freeaddrinfo(found);
    if (m_fd >= 0) break;
    if (Clock::now() >= deadline)
      throw Error("rendezvous " + address.toString() + ": no answer within " +
                  std::to_string(timeout.count() / 1000) + " s (" + failure + ")");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  const int one = 1;
  ::setsockopt(m_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  std::vector<unsigned char> nonce(kNonce), verdict(1), serverMac(kMac);
  const auto myNonce = randomBytes(kNonce);
  const auto myMac = [&] { return proof(secret, "twb-rank", nonce); };
  if (!readAll(m_fd, nonce.data(), kNonce, deadline) ||
      !writeAll(m_fd, myNonce.data(), kNonce, deadline) ||
      !writeAll(m_fd, myMac().data(), kMac, deadline) ||
      !readAll(m_fd, verdict.data(), 1, deadline))
    throw Error("rendezvous " + address.toString() + ": the handshake failed");
  if (verdict[0] != 1)
    throw Error("rendezvous " + address.toString() +
                ": the job's secret was refused (is this rank from another job?)");
  if (!readAll(m_fd, serverMac.data(), kMac, deadline) ||
      !sameMac(serverMac, proof(secret, "twb-rendezvous", myNonce)))
    throw Error("rendezvous " + address.toString() +
                ": the server does not know the job's secret (another job's rendezvous?)");
}

RendezvousStore::~RendezvousStore() {
  if (m_fd >= 0) ::close(m_fd);
}

void RendezvousStore::set(const std::string& key, const std::vector<char>& data) {
  const auto deadline = Clock::now() + m_timeout;
  char ack = 0;
  if (!writeAll(m_fd, "S", 1, deadline) ||
      !writeField(m_fd, key.data(), static_cast<uint32_t>(key.size()), deadline) ||
      !writeField(m_fd, data.data(), static_cast<uint32_t>(data.size()), deadline) ||
      !readAll(m_fd, &ack, 1, deadline) || ack != 'k')
    throw Error("rendezvous " + m_address.toString() + ": lost while storing '" + key + "'");
}

bool RendezvousStore::tryGet(const std::string& key, std::vector<char>& value) {
  const auto deadline = Clock::now() + m_timeout;
  char found = 0;
  if (!writeAll(m_fd, "G", 1, deadline) ||
      !writeField(m_fd, key.data(), static_cast<uint32_t>(key.size()), deadline) ||
      !readAll(m_fd, &found, 1, deadline) || (found && !readField(m_fd, value, deadline)))
    throw Error("rendezvous " + m_address.toString() + ": lost while reading '" + key + "'");
  return found != 0;
}

std::vector<char> RendezvousStore::get(const std::string& key) {
  wait({key});
  std::vector<char> value;
  tryGet(key, value);
  return value;
}

void RendezvousStore::wait(const std::vector<std::string>& keys) { wait(keys, m_timeout); }

void RendezvousStore::wait(const std::vector<std::string>& keys,
                           const std::chrono::milliseconds& timeout) {
  const auto deadline = Clock::now() + timeout;
  std::vector<char> scratch;
  for (const auto& key : keys)
    while (!tryGet(key, scratch)) {
      if (Clock::now() >= deadline)
        throw Error("rendezvous " + m_address.toString() + ": '" + key +
                    "' did not appear within " + std::to_string(timeout.count() / 1000) +
                    " s (a rank did not start or cannot reach " + m_address.toString() + ")");
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
}

}  // namespace twb
