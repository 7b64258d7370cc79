#include "app/node_manager.h"

#include <QThreadPool>

#include "app/keyring.h"
#include "remote/remote_error.h"
#include "remote/ssh_session.h"

namespace twb {
namespace app {

NodeManager::NodeManager(const QString& registryFile, plugins::NodeContext context,
                         const PluginCatalog& plugins, QObject* parent)
    : QObject(parent), m_registry(registryFile), m_context(std::move(context)), m_plugins(plugins) {
  m_context.prompts = askingPrompts();
}

NodeManager::~NodeManager() { QThreadPool::globalInstance()->waitForDone(); }

remote::SshPrompts NodeManager::askingPrompts() {
  remote::SshPrompts prompts;
  // The question goes to the GUI thread; the connecting thread waits for the answer.
  prompts.acceptUnknownHost = [this](const QString& host, const QString& type,
                                     const QString& fingerprint) {
    bool accept = false;
    QMetaObject::invokeMethod(
        this, [&] { emit hostKeyQuestion(host, type, fingerprint, &accept); },
        Qt::BlockingQueuedConnection);
    return accept;
  };
  const auto ask = [this](const QString& title, const QString& instruction,
                          const QList<remote::SshQuestion>& questions, bool* keep = nullptr) {
    std::optional<QStringList> answers;
    QMetaObject::invokeMethod(
        this, [&] { emit loginQuestion(title, instruction, questions, &answers, keep); },
        Qt::BlockingQueuedConnection);
    return answers;
  };
  prompts.keyPassphrase = [this, ask](const QString& keyPath) -> std::optional<QString> {
    if (const auto kept = Keyring::passphrase(keyPath)) {
      if (remote::sshKeyOpens(keyPath, *kept)) return kept;
      Keyring::forgetPassphrase(keyPath);  // the key's passphrase changed: ask again
    }
    bool keep = false;
    const auto answers = ask(tr("Key passphrase"), tr("The key %1 is encrypted.").arg(keyPath),
                             {{tr("Passphrase:"), false}}, &keep);
    if (!answers) return std::nullopt;
    QString why;
    if (keep && remote::sshKeyOpens(keyPath, answers->value(0)) &&
        !Keyring::keepPassphrase(keyPath, answers->value(0), &why))
      QMetaObject::invokeMethod(this, [this, why] {
        emit problem(
            tr("The passphrase was not kept: the desktop keyring did not answer (%1).").arg(why));
      });
    return answers->value(0);
  };
  prompts.password = [ask](const QString& userAtHost) -> std::optional<QString> {
    const auto answers =
        ask(tr("Password"), tr("Log in to %1.").arg(userAtHost), {{tr("Password:"), false}});
    return answers ? std::optional(answers->value(0)) : std::nullopt;
  };
  prompts.keyboardInteractive = [ask](const QString& userAtHost, const QString& instruction,
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
  return prompts;
}

std::shared_ptr<remote::NodeEndpoint> NodeManager::makeEndpoint(const remote::NodeEntry& entry) {
  if (const plugins::NodeKind* kind = m_plugins.nodeKind(entry.kind))
    return kind->endpoint(entry, m_context);
  throw remote::RemoteError(("node '" + entry.name + "': kind: no plugin offers '" + entry.kind +
                             "' (Help > Plugins lists what is loaded)")
                                .toStdString(),
                            false);
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
    QMetaObject::invokeMethod(
        this, [this, name, health] { emit checked(name, health); }, Qt::QueuedConnection);
  });
}

}  // namespace app
}  // namespace twb
