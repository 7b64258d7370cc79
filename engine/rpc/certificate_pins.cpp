#include "rpc/certificate_pins.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <vector>

#include "core/error.h"
#include "core/user_folders.h"
#include "rpc/openssl_owned.h"

namespace twb {

namespace fs = std::filesystem;

namespace {
std::string base64(const unsigned char* data, size_t size) {
  std::string text(4 * ((size + 2) / 3) + 1, '\0');
  const int length =
      EVP_EncodeBlock(reinterpret_cast<unsigned char*>(text.data()), data, static_cast<int>(size));
  text.resize(static_cast<size_t>(length));
  return text;
}

std::vector<unsigned char> derOf(const std::string& pem) {
  Owned<BIO, BIO_free_all> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  Owned<X509, X509_free> certificate(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!certificate) throw Error("not a PEM certificate");
  unsigned char* der = nullptr;
  const int size = i2d_X509(certificate.get(), &der);
  if (size <= 0) throw Error("cannot encode the certificate");
  std::vector<unsigned char> bytes(der, der + size);
  OPENSSL_free(der);
  return bytes;
}

std::string pemOfDer(const std::string& base64Der) {
  std::string pem = "-----BEGIN CERTIFICATE-----\n";
  for (size_t at = 0; at < base64Der.size(); at += 64) pem += base64Der.substr(at, 64) + "\n";
  return pem + "-----END CERTIFICATE-----\n";
}

std::string defaultPinsFile() { return userFolder(UserFolder::config) + "/known_nodes"; }

// A TCP connection to HOST:PORT within the deadline, or -1 with `why` set.
int connectWithin(const std::string& host, int port, int timeoutMs, std::string& why) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int error = ::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found)) {
    why = std::string("cannot resolve the host: ") + ::gai_strerror(error);
    return -1;
  }
  Owned<addrinfo, ::freeaddrinfo> addresses(found);
  why = "no address";
  for (const addrinfo* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0 || errno == EINPROGRESS) {
      pollfd wait{fd, POLLOUT, 0};
      int error = ETIMEDOUT;
      socklen_t length = sizeof error;
      if (::poll(&wait, 1, timeoutMs) == 1) ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error == 0) {
        // Blocking again for the handshake, bounded by SO_RCVTIMEO / SO_SNDTIMEO.
        ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
        timeval limit{timeoutMs / 1000, (timeoutMs % 1000) * 1000};
        ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof limit);
        ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof limit);
        return fd;
      }
      why = std::strerror(error);
    } else {
      why = std::strerror(errno);
    }
    ::close(fd);
  }
  return -1;
}
}  // namespace

std::string certificateFingerprint(const std::string& certificatePem) {
  const std::vector<unsigned char> der = derOf(certificatePem);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(der.data(), der.size(), digest, &length, EVP_sha256(), nullptr);
  std::string text = base64(digest, length);
  while (!text.empty() && text.back() == '=') text.pop_back();
  return "SHA256:" + text;
}

std::string fetchNodeCertificate(const std::string& host, int port, int timeoutMs) {
  const std::string where = host + ":" + std::to_string(port);
  std::string why;
  const int fd = connectWithin(host, port, timeoutMs, why);
  if (fd < 0) throw Error(where + ": cannot connect: " + why);
  Owned<SSL_CTX, SSL_CTX_free> context(SSL_CTX_new(TLS_client_method()));
  Owned<SSL, SSL_free> ssl(SSL_new(context.get()));
  BIO* socket = BIO_new_socket(fd, BIO_CLOSE);
  SSL_set_bio(ssl.get(), socket, socket);               // `ssl` owns it, and closes the socket
  static const unsigned char kHttp2[] = {2, 'h', '2'};  // what gRPC servers expect to negotiate
  SSL_set_alpn_protos(ssl.get(), kHttp2, sizeof kHttp2);
  SSL_set_tlsext_host_name(ssl.get(), kNodeCertificateName);
  if (SSL_connect(ssl.get()) != 1)
    throw Error(where +
                ": no TLS handshake (not a twb-engine node, or one older than TLS "
                "for TCP nodes)");
  Owned<X509, X509_free> certificate(SSL_get1_peer_certificate(ssl.get()));
  if (!certificate) throw Error(where + ": the node showed no certificate");
  Owned<BIO, BIO_free_all> pem(BIO_new(BIO_s_mem()));
  PEM_write_bio_X509(pem.get(), certificate.get());
  char* data = nullptr;
  const long size = BIO_get_mem_data(pem.get(), &data);
  SSL_shutdown(ssl.get());
  return std::string(data, static_cast<size_t>(size));
}

CertificatePins::CertificatePins(std::string file, AcceptNew acceptNew)
    : m_file(file.empty() ? defaultPinsFile() : std::move(file)),
      m_acceptNew(std::move(acceptNew)) {}

std::optional<std::string> CertificatePins::pinned(const std::string& hostPort) const {
  std::ifstream in(m_file);
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    std::istringstream fields(line);
    std::string node, fingerprint, der;
    if (!(fields >> node >> fingerprint >> der) || node != hostPort) continue;
    const std::string pem = pemOfDer(der);
    try {
      if (certificateFingerprint(pem) == fingerprint) return pem;
    } catch (const Error&) {
    }
    throw Error(m_file + ":" + std::to_string(number) + ": the pinned certificate of " + hostPort +
                " is damaged (remove the line to pin the node again)");
  }
  return std::nullopt;
}

void CertificatePins::pin(const std::string& hostPort, const std::string& certificatePem) const {
  const std::vector<unsigned char> der = derOf(certificatePem);
  const fs::path folder = fs::path(m_file).parent_path();
  if (!folder.empty() && !fs::exists(folder)) {
    fs::create_directories(folder);
    fs::permissions(folder, fs::perms::owner_all, fs::perm_options::replace);
  }
  std::ofstream out(m_file, std::ios::app);
  out << hostPort << ' ' << certificateFingerprint(certificatePem) << ' '
      << base64(der.data(), der.size()) << '\n';
  if (!out.flush()) throw Error(m_file + ": cannot save the node's certificate");
}

std::string CertificatePins::trusted(const std::string& host, int port) const {
  const std::string hostPort = host + ":" + std::to_string(port);
  const std::string shown = fetchNodeCertificate(host, port);
  const std::string fingerprint = certificateFingerprint(shown);
  if (const auto pinnedPem = pinned(hostPort)) {
    if (certificateFingerprint(*pinnedPem) == fingerprint) return *pinnedPem;
    throw Error("tcp:" + hostPort + ": WARNING: the node's certificate has changed (it is now " +
                fingerprint +
                "). Someone may be intercepting this connection (a "
                "man-in-the-middle attack), or the node's data folder was replaced. The "
                "connection was refused. If the change is expected, remove the node's line from " +
                m_file + ".");
  }
  if (!m_acceptNew || !m_acceptNew(hostPort, fingerprint))
    throw Error("tcp:" + hostPort + ": the node's certificate " + fingerprint +
                " is not pinned in " + m_file + " and was not accepted; not connected");
  pin(hostPort, shown);
  return shown;
}

}  // namespace twb
