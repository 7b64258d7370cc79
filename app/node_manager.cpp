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
  const auto ask = [this](const QString& title, const QString& instruction,
                          const QList<remote::SshQuestion>& questions) {
    std::optional<QStringList> answers;
    QMetaObject::invokeMethod(
        this, [&] { emit loginQuestion(title, instruction, questions, &answers); },
        Qt::BlockingQueuedConnection);
    return answers;
  };
  options.prompts.keyPassphrase = [ask](const QString& keyPath) -> std::optional<QString> {
    const auto answers = ask(tr("Key passphrase"), tr("The key %1 is encrypted.").arg(keyPath),
                             {{tr("Passphrase:"), false}});
    return answers ? std::optional(answers->value(0)) : std::nullopt;
  };
  options.prompts.password = [ask](const QString& userAtHost) -> std::optional<QString> {
    const auto answers = ask(tr("Password"), tr("Log in to %1.").arg(userAtHost),
                             {{tr("Password:"), false}});
    return answers ? std::optional(answers->value(0)) : std::nullopt;
  };
  options.prompts.keyboardInteractive = [ask](const QString& userAtHost, const QString& instruction,
                                              const QList<remote::SshQuestion>& questions) {
    // Servers often send no instruction: say who asks, and what it usually is.
    const QString shown =
        instruction.isEmpty()
            ? tr("%1 asks for this to let you in (a second factor: often a one-time code from "
                 "your authenticator).")
                  .arg(userAtHost)
            : instruction;
    return ask(tr("Log in to %1").arg(userAtHost), shown, questions);
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
