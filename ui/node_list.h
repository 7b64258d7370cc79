#pragma once

#include <QJsonObject>
#include <QList>
#include <QTreeWidget>

#include "app/node_manager.h"

namespace twb {
namespace ui {

// The nodes at a glance, beside the runs: the local node and every saved remote node, each with
// its status (ready, unreachable with the reason as a tooltip, or not checked yet) and what it
// can do (bf16, VNNI, AMX, GPUs; the full description as a tooltip).
class NodeList : public QTreeWidget {
  Q_OBJECT

 public:
  explicit NodeList(QWidget* parent = nullptr);

  // `health`: "ok", or what went wrong; `info`: GetNodeInfo's JSON form.
  void setLocal(const QString& health, const QJsonObject& info);
  void setRemote(const QList<app::NodeEntry>& nodes);

 private:
  void fill(QTreeWidgetItem* item, const QString& name, const QString& health,
            const QJsonObject& info) const;
};

}  // namespace ui
}  // namespace twb
