#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>

#include "rpc/job_manager.h"
#include "rpc/listen_address.h"
#include "rpc/node_service.h"

namespace twb {

struct ServeOptions {
  NodeAddress address;
  std::string tokenFile;     // required for tcp
  std::string dataDir;       // empty: defaultDataDir()
  int maxJobs = 1;
  std::string engineBinary;  // the worker binary; empty: this process's own executable
};

// `twb-engine serve`: the node service on one address. A unix socket is created in a folder
// only its owner can enter (0700, made if absent, refused if open to others); TCP requires a
// token and speaks TLS with the node's own certificate (made on first start). The data folder
// holds the jobs and daemon.json (pid, address, version), which a deployer reads to reuse a
// running daemon of the same version.
class NodeServer {
 public:
  // Throws twb::Error saying why it cannot serve: no token for TCP, an unsafe socket folder,
  // another daemon on the socket or on the data folder, an address that cannot be bound.
  explicit NodeServer(const ServeOptions& options);
  ~NodeServer();

  const std::string& listening() const { return m_listening; }  // "unix:/p" or "tcp:h:port"
  // TCP: the TLS certificate's "SHA256:..." fingerprint, for its users to check; unix: empty.
  const std::string& certificateFingerprint() const { return m_certificateFingerprint; }
  void wait() { m_server->Wait(); }
  void shutdown();

 private:
  std::unique_ptr<JobManager> m_jobs;
  std::unique_ptr<NodeService> m_service;
  std::unique_ptr<grpc::Server> m_server;
  std::string m_listening, m_socketPath, m_dataDir, m_certificateFingerprint;
  int m_lock = -1;  // flock on DATA/daemon.lock: one daemon per data folder
};

// $XDG_DATA_HOME/twb/node, or ~/.local/share/twb/node.
std::string defaultDataDir();

}  // namespace twb
