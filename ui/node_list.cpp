#include "ui/node_list.h"

#include <QHeaderView>
#include <QJsonArray>

#include "app/node_manager.h"
#include "ui/nodes_dialog.h"

namespace twb {
namespace ui {

namespace {
enum Column { kName, kStatus, kCapabilities };

// The capabilities in a few words: "fp32 · int8 · bf16 · VNNI · AMX · 1 GPU". Every node runs
// fp32 and int8 (VNNI and AMX make int8 faster), so those lead even where nothing else follows.
QString shortCapabilities(const QJsonObject& info) {
  QStringList parts{"fp32", "int8"};
  if (info.value("bf16").toBool()) parts << "bf16";
  if (info.value("vnni").toBool()) parts << "VNNI";
  if (info.value("amx").toBool()) parts << "AMX";
  if (const qsizetype gpus = info.value("gpus").toArray().size())
    parts << NodeList::tr("%n GPU(s)", nullptr, static_cast<int>(gpus));
  return parts.join(" · ");
}
}  // namespace

NodeList::NodeList(QWidget* parent) : QTreeWidget(parent) {
  setObjectName("nodeList");
  setHeaderLabels({tr("Node"), tr("Status"), tr("Capabilities")});
  setRootIsDecorated(false);
  header()->setSectionResizeMode(QHeaderView::ResizeToContents);
  auto* local = new QTreeWidgetItem(this);
  fill(local, tr("local"), QString(), {});
}

void NodeList::setLocal(const QString& health, const QJsonObject& info) {
  fill(topLevelItem(0), tr("local"), health, info);
}

void NodeList::setRemote(const QList<app::NodeEntry>& nodes) {
  while (topLevelItemCount() > 1) delete takeTopLevelItem(1);
  for (const app::NodeEntry& node : nodes)
    fill(new QTreeWidgetItem(this), node.name, node.health, node.info);
}

void NodeList::fill(QTreeWidgetItem* item, const QString& name, const QString& health,
                    const QJsonObject& info) const {
  item->setText(kName, name);
  if (health.isEmpty()) {
    item->setText(kStatus, tr("not checked"));
    item->setForeground(kStatus, palette().placeholderText());
    item->setToolTip(kStatus, tr("Test it under Nodes > Manage nodes."));
  } else if (health == "ok") {
    item->setText(kStatus, tr("ready"));
    item->setForeground(kStatus, QColor(0x2e, 0x8b, 0x57));
    item->setToolTip(kStatus, {});
  } else {
    item->setText(kStatus, tr("unreachable"));
    item->setForeground(kStatus, QColor(0xc0, 0x39, 0x2b));
    item->setToolTip(kStatus, health);
  }
  item->setText(kCapabilities, info.isEmpty() ? QString() : shortCapabilities(info));
  item->setToolTip(kCapabilities, describeCapabilities(info));
}

}  // namespace ui
}  // namespace twb
