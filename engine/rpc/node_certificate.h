#pragma once

#include <string>

namespace twb {

// The TLS identity of a node listening on TCP: an EC P-256 key and a self-signed certificate
// for the name kNodeCertificateName, made on the node's first start and kept in its data folder
// (DATA/tls/node.key, 0600, and DATA/tls/node.crt). Clients pin the certificate on first use,
// as SSH clients pin host keys, so no certificate authority is involved.
struct NodeCertificate {
  std::string keyPem, certificatePem;
};

// Reads DATA/tls/, or creates it when absent; throws twb::Error naming the file that is
// unreadable, malformed or open to others.
NodeCertificate loadOrCreateNodeCertificate(const std::string& dataDir);

}  // namespace twb
