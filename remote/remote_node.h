#pragma once

#include <QString>
#include <memory>
#include <mutex>

#include "remote/engine_deployer.h"
#include "remote/node_endpoint.h"
#include "remote/ssh_session.h"
#include "remote/ssh_tunnel.h"

namespace twb::remote {

// A node reached over SSH: connect() checks the host, logs in, deploys the engine bundle when
// the node lacks it, starts (or reuses) the daemon and opens the tunnel. Called again after a
// drop, it connects anew; the deployed engine is found in place and the running daemon reused.
class RemoteNode final : public NodeEndpoint {
 public:
  struct Options {
    SshTarget target;
    SshSession::Options ssh;
    SshPrompts prompts;
    QString bundlePath;  // packaging/make-engine-bundle.sh's archive
    QString remoteBase;  // empty: ~/.cache/twb on the node
  };

  explicit RemoteNode(Options options);
  ~RemoteNode() override;

  QString connect() override;
  QString describe() const override { return m_options.target.display(); }
  // The host the last connection reached (the ssh config's HostName for an alias), before any
  // connection the host as given.
  QString networkHost() const override;
  // What the last connect() did (whether it uploaded, started the daemon).
  DeployedEngine lastDeployment() const;
  // The fingerprint of the host key the last connection verified.
  QString hostKeyFingerprint() const;

 private:
  Options m_options;
  EngineBundle m_bundle;
  mutable std::mutex m_mutex;
  std::unique_ptr<SshTunnel> m_tunnel;
  DeployedEngine m_deployed;
  QString m_fingerprint, m_resolvedHost;
};

}  // namespace twb::remote
