// This machine as a node kind (remote/local_node.h): the engine's daemon started as a child of
// the workbench on a private unix socket.

#include "remote/local_node.h"

#include <QCoreApplication>
#include <QObject>

#include "plugins/plugin_interfaces.h"
#include "remote/remote_error.h"

namespace {

class LocalNodeKind final : public twb::plugins::NodeKind {
 public:
  QString id() const override { return "local"; }
  QString name() const override {
    return QCoreApplication::translate("LocalNodeKind", "This machine");
  }
  QString hostHint() const override { return "localhost"; }
  // The node's folder holds its jobs; two local nodes are two daemons with their own folders.
  std::shared_ptr<twb::remote::NodeEndpoint> endpoint(
      const twb::remote::NodeEntry& node, const twb::plugins::NodeContext& context) const override {
    if (node.folder.isEmpty())
      throw twb::remote::RemoteError(
          ("node '" + node.name + "': folder: required for a node on this machine").toStdString(),
          false);
    return std::make_shared<twb::remote::LocalNode>(context.engine, node.folder);
  }
};

}  // namespace

class LocalNodePlugin : public QObject, public twb::plugins::Plugin {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID TWB_PLUGIN_IID FILE "local_node.json")
  Q_INTERFACES(twb::plugins::Plugin)

 public:
  QList<const twb::plugins::NodeKind*> nodeKinds() const override { return {&m_kind}; }

 private:
  LocalNodeKind m_kind;
};

#include "local_node.moc"
