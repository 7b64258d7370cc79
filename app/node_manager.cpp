#include "app/node_manager.h"

#include <QThreadPool>

#include "remote/remote_error.h"
#include "remote/remote_node.h"

namespace twb {
namespace app {

NodeManager::NodeManager(const QString& registryFile, QString knownHostsFile, QString bundlePath,
                         QObject* parent)
    : QObject(parent),
      m_registry(registryFile),
      m_knownHosts(std::move(knownHostsFile)),
      m_bundle(std::move(bundlePath)) {}

NodeManager::~NodeManager() { QThreadPool::globalInstance()->waitForDone(); }

std::shared_ptr<remote::NodeEndpoint> NodeManager::makeEndpoint(const remote::NodeEntry& entry) {
  remote::RemoteNode::Options options;
  options.target = entry.target;
  options.ssh.knownHostsFile = m_knownHosts;
  options.bundlePath = m_bundle;
  options.remoteBase = entry.folder;
  // The question goes to the GUI thread; the connecting thread waits for the answer.
  options.prompts.acceptUnknownHost = [this](const QString& host, const QString& type,
                                             const QString& fingerprint) {
    bool accept = false;
    QMetaObject::invokeMethod(
        this, [&] { emit hostKeyQuestion(host, type, fingerprint, &accept); },
        Qt::BlockingQueuedConnection);
    return accept;
  };
  return std::make_shared<remote::RemoteNode>(options);
}

std::shared_ptr<remote::NodeEndpoint> NodeManager::endpoint(const QString& name) {
  std::lock_guard lock(m_mutex);
  if (const auto found = m_endpoints.find(name); found != m_endpoints.end()) return found->second;
  const auto entry = m_registry.find(name);
  if (!entry) throw remote::RemoteError(("no node named '" + name + "'").toStdString(), false);
  return m_endpoints[name] = makeEndpoint(*entry);
}

void NodeManager::test(const QString& name) {
  QThreadPool::globalInstance()->start([this, name] {
    QString health;
    try {
      const auto entry = m_registry.find(name);
      if (!entry) throw std::runtime_error(("no node named " + name).toStdString());
      // A fresh connection: the test shows what connecting today does (host key, login, engine).
      health = m_registry.checkHealth(name, *makeEndpoint(*entry)).health;
    } catch (const std::exception& e) {
      health = QString::fromUtf8(e.what());
    }
    QMetaObject::invokeMethod(this, [this, name, health] { emit checked(name, health); },
                              Qt::QueuedConnection);
  });
}

}  // namespace app
}  // namespace twb
