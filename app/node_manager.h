#pragma once

#include <QObject>
#include <QString>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "app/plugin_catalog.h"
#include "remote/node_endpoint.h"
#include "remote/node_registry.h"

namespace twb {
namespace app {

using NodeEntry = remote::NodeEntry;  // a saved node: its kind, target, folder, labels, last info

// The workbench's remote nodes: the saved list (remote::NodeRegistry), reached through the node
// kinds of the plugins (SSH by default), and connection tests run off the GUI thread. An unknown
// host key becomes the hostKeyQuestion() signal, answered by the GUI (a dialog showing the
// fingerprint) while the connecting thread waits; nothing is asked twice once accepted.
// Passphrases, passwords and one-time codes are asked the same way (loginQuestion()) and never
// written to a file; a key's passphrase is kept in the desktop keyring when the user asks
// (app/keyring.h), and used from there while it opens the key.
class NodeManager : public QObject {
  Q_OBJECT

 public:
  // `registryFile`: the saved nodes; `context`: what the node kinds get (the engine, its bundle,
  // the workbench's own known_hosts), whose prompts become this manager's questions; `plugins`:
  // their node kinds are the ways to reach a node (it must outlive the manager).
  NodeManager(const QString& registryFile, plugins::NodeContext context,
              const PluginCatalog& plugins, QObject* parent = nullptr);
  ~NodeManager() override;

  // The saved nodes, as the registry file holds them.
  QList<NodeEntry> nodes() const { return m_registry.nodes(); }
  std::optional<NodeEntry> find(const QString& name) const { return m_registry.find(name); }
  // Adds or replaces the node of that name; throws remote::RemoteError naming a missing name or
  // host, or a port outside 1-65535.
  void save(const NodeEntry& entry) { m_registry.upsert(entry); }
  bool remove(const QString& name) { return m_registry.remove(name); }
  QList<const plugins::NodeKind*> kinds() const { return m_plugins.nodeKinds(); }
  const plugins::NodeKind* kind(const QString& id) const { return m_plugins.nodeKind(id); }
  // Connects (deploying the engine if needed), asks GetNodeInfo and records it; the answer comes
  // as checked().
  void test(const QString& name);
  // The saved node `name` as a place to run jobs (kept, so its SSH connection is reused);
  // throws remote::RemoteError when there is no such node or no plugin offers its kind.
  std::shared_ptr<remote::NodeEndpoint> endpoint(const QString& name);

 signals:
  // Connect with Qt::BlockingQueuedConnection semantics in mind: the receiver sets *accept.
  void hostKeyQuestion(const QString& host, const QString& keyType, const QString& fingerprint,
                       bool* accept);
  // A login needs answers: a key's passphrase, a password, or a keyboard-interactive round (a
  // one-time code). The receiver sets *answers, one per question, or leaves it empty (declined).
  // `keep` is given for a key's passphrase: set it to keep the answer in the desktop keyring.
  void loginQuestion(const QString& title, const QString& instruction,
                     const QList<remote::SshQuestion>& questions,
                     std::optional<QStringList>* answers, bool* keep);
  // What the user asked could not be done, said to them (a passphrase the keyring did not keep).
  void problem(const QString& message);
  void checked(const QString& name, const QString& health);

 private:
  // The host-key and login questions, asked through the signals below and waited for.
  remote::SshPrompts askingPrompts();
  std::shared_ptr<remote::NodeEndpoint> makeEndpoint(const remote::NodeEntry& entry);

  remote::NodeRegistry m_registry;
  plugins::NodeContext m_context;
  const PluginCatalog& m_plugins;
  std::mutex m_mutex;
  std::map<QString, std::shared_ptr<remote::NodeEndpoint>> m_endpoints;
};

}  // namespace app
}  // namespace twb
