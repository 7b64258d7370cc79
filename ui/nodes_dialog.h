#pragma once

#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;

namespace twb {
namespace app {
class NodeManager;
}  // namespace app

namespace ui {

// Add, edit and remove remote nodes (kind, host, port, user, key file, labels; the kinds are the
// plugins' node kinds, SSH first), test a connection —
// which asks about an unknown host key with its SHA256 fingerprint — and see each node's
// capabilities from its last check (CPU, bf16 / VNNI / AMX, GPUs, engine build).
class NodesDialog : public QDialog {
  Q_OBJECT

 public:
  explicit NodesDialog(app::NodeManager& nodes, QWidget* parent = nullptr);

 private:
  void reload(const QString& select = {});
  void showNode();
  void save();
  void remove();
  void showKind(const QString& id);

  app::NodeManager& m_nodes;
  QListWidget* m_list;
  QComboBox* m_kind;
  QLineEdit *m_name, *m_host, *m_user, *m_key, *m_folder, *m_labels;
  QSpinBox* m_port;
  QLabel *m_capabilities, *m_status;
  QPushButton* m_test;
};

// What a node's cached GetNodeInfo says, in one paragraph.
QString describeCapabilities(const QJsonObject& info);

}  // namespace ui
}  // namespace twb
