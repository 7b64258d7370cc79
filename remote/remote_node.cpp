#include "remote/remote_node.h"

namespace twb::remote {

RemoteNode::RemoteNode(Options options)
    : m_options(std::move(options)), m_bundle(EngineBundle::open(m_options.bundlePath)) {}

RemoteNode::~RemoteNode() = default;

QString RemoteNode::connect() {
  std::lock_guard lock(m_mutex);
  if (m_tunnel && m_tunnel->alive()) return m_tunnel->grpcTarget();
  m_tunnel.reset();
  auto session = std::make_unique<SshSession>(m_options.target, m_options.ssh, m_options.prompts);
  session->connect();
  m_fingerprint = session->hostKeyFingerprint();
  m_resolvedHost = session->resolved().host;
  m_deployed = EngineDeployer(*session, m_bundle, m_options.remoteBase).deploy();
  m_tunnel = std::make_unique<SshTunnel>(std::move(session), m_deployed.socket);
  return m_tunnel->grpcTarget();
}

DeployedEngine RemoteNode::lastDeployment() const {
  std::lock_guard lock(m_mutex);
  return m_deployed;
}

QString RemoteNode::networkHost() const {
  std::lock_guard lock(m_mutex);
  return m_resolvedHost.isEmpty() ? m_options.target.host : m_resolvedHost;
}

QString RemoteNode::hostKeyFingerprint() const {
  std::lock_guard lock(m_mutex);
  return m_fingerprint;
}

}  // namespace twb::remote
