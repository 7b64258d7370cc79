#pragma once

#include <functional>
#include <optional>
#include <string>

namespace twb {

// The name every node certificate is made for; clients check it instead of the address (a node
// is known by its pinned certificate, not by a name a CA vouched for).
inline constexpr const char* kNodeCertificateName = "twb-node";

// "SHA256:" and the unpadded base64 of the certificate's DER bytes' SHA-256 (ssh's form).
std::string certificateFingerprint(const std::string& certificatePem);

// Connects to HOST:PORT, completes a TLS handshake and returns the certificate the node showed
// (PEM), without trusting it. Throws twb::Error when the node cannot be reached in `timeoutMs`
// or does not speak TLS.
std::string fetchNodeCertificate(const std::string& host, int port, int timeoutMs = 10000);

// The certificates of TCP nodes trusted so far, one line per node in a known_nodes file
// ("HOST:PORT SHA256:... BASE64-DER"), like ssh's known_hosts: a node seen for the first time is
// pinned when `acceptNew` agrees; a node showing another certificate than its pinned one is
// refused with ssh's warning.
class CertificatePins {
 public:
  using AcceptNew =
      std::function<bool(const std::string& hostPort, const std::string& fingerprint)>;

  // `file` empty: $XDG_CONFIG_HOME/twb/known_nodes, else ~/.config/twb/known_nodes. Without
  // `acceptNew`, unknown nodes are refused.
  explicit CertificatePins(std::string file = {}, AcceptNew acceptNew = {});

  const std::string& file() const { return m_file; }
  std::optional<std::string> pinned(const std::string& hostPort) const;  // PEM
  void pin(const std::string& hostPort, const std::string& certificatePem) const;

  // The certificate to trust for HOST:PORT: the pinned one when the node still shows it, the
  // node's when it is new and accepted (and then pinned). Throws twb::Error otherwise.
  std::string trusted(const std::string& host, int port) const;

 private:
  std::string m_file;
  AcceptNew m_acceptNew;
};

}  // namespace twb
