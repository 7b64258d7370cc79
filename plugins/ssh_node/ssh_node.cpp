// Nodes reached over SSH (remote/remote_node.h) as a node kind: the workbench's default.

#include <QCoreApplication>
#include <QObject>

#include "plugins/plugin_interfaces.h"
#include "remote/remote_node.h"

namespace {

class SshNodeKind final : public twb::plugins::NodeKind {
 public:
  QString id() const override { return "ssh"; }
  QString name() const override { return QCoreApplication::translate("SshNodeKind", "SSH"); }
  QString hostHint() const override {
    return QCoreApplication::translate("SshNodeKind", "host name, address or ~/.ssh/config alias");
  }
  std::shared_ptr<twb::remote::NodeEndpoint> endpoint(
      const twb::remote::NodeEntry& node, const twb::plugins::NodeContext& context) const override {
    twb::remote::RemoteNode::Options options;
    options.target = node.target;
    options.ssh.knownHostsFile = context.knownHostsFile;
    options.prompts = context.prompts;
    options.bundlePath = context.bundlePath;
    options.remoteBase = node.folder;
    return std::make_shared<twb::remote::RemoteNode>(options);
  }
};

}  // namespace

class SshNodePlugin : public QObject, public twb::plugins::Plugin {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID TWB_PLUGIN_IID FILE "ssh_node.json")
  Q_INTERFACES(twb::plugins::Plugin)

 public:
  QList<const twb::plugins::NodeKind*> nodeKinds() const override { return {&m_kind}; }

 private:
  SshNodeKind m_kind;
};

#include "ssh_node.moc"
