// A node kind plugin the tests build out of the workbench's tree: a daemon already serving at
// the address in the node's Host field ("unix:PATH"), reached directly, nothing deployed.
#include "remote/direct_node.h"

#include <QObject>

#include "plugins/plugin_interfaces.h"

namespace {

class DirectNodeKind : public twb::plugins::NodeKind {
 public:
  QString id() const override { return "direct-test"; }
  QString name() const override { return "Running daemon (test)"; }
  QString hostHint() const override { return "unix:PATH of a running twb-engine serve"; }
  std::shared_ptr<twb::remote::NodeEndpoint> endpoint(
      const twb::remote::NodeEntry& node, const twb::plugins::NodeContext&) const override {
    return std::make_shared<twb::remote::DirectNode>(node.target.host);
  }
};

}  // namespace

class DirectNodePlugin : public QObject, public twb::plugins::Plugin {
  Q_OBJECT
  Q_PLUGIN_METADATA(IID TWB_PLUGIN_IID FILE "direct_node.json")
  Q_INTERFACES(twb::plugins::Plugin)

 public:
  QList<const twb::plugins::NodeKind*> nodeKinds() const override { return {&m_kind}; }

 private:
  DirectNodeKind m_kind;
};

#include "direct_node.moc"
