#include "ui/nodes_dialog.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QJsonObject>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QVBoxLayout>

#include "app/node_manager.h"

namespace twb {
namespace ui {

QString describeCapabilities(const QJsonObject& info) {
  if (info.isEmpty()) return QObject::tr("Not checked yet.");
  QStringList gpus;
  for (const QJsonValue& gpu : info.value("gpus").toArray())
    gpus << QObject::tr("%1 (%2 GiB)").arg(gpu.toObject().value("name").toString())
                .arg(gpu.toObject().value("memoryBytes").toString().toDouble() / (1 << 30), 0, 'f', 1);
  const auto yesNo = [&](const char* key) {
    return info.value(key).toBool() ? QObject::tr("yes") : QObject::tr("no");
  };
  return QObject::tr("%1, %2 cores, %3 GiB · bf16 %4 · VNNI %5 · AMX %6 · GPUs: %7 · engine %8 (%9)")
      .arg(info.value("cpuModel").toString())
      .arg(info.value("logicalCores").toInt())
      .arg(info.value("memoryBytes").toString().toDouble() / (1 << 30), 0, 'f', 1)
      .arg(yesNo("bf16"), yesNo("vnni"), yesNo("amx"))
      .arg(gpus.isEmpty() ? QObject::tr("none") : gpus.join(", "))
      .arg(info.value("engineVersion").toString(), info.value("buildHash").toString());
}

NodesDialog::NodesDialog(app::NodeManager& nodes, QWidget* parent)
    : QDialog(parent), m_nodes(nodes) {
  setWindowTitle(tr("Nodes"));
  setMinimumSize(820, 420);
  setObjectName("nodesDialog");
  m_list = new QListWidget(this);
  m_list->setObjectName("nodeList");
  m_name = new QLineEdit(this);
  m_name->setObjectName("nodeName");
  m_kind = new QComboBox(this);
  m_kind->setObjectName("nodeKind");
  for (const plugins::NodeKind* kind : m_nodes.kinds()) m_kind->addItem(kind->name(), kind->id());
  m_host = new QLineEdit(this);
  m_host->setObjectName("nodeHost");
  m_port = new QSpinBox(this);
  m_port->setObjectName("nodePort");
  m_port->setRange(1, 65535);
  m_port->setValue(22);
  m_user = new QLineEdit(this);
  m_user->setObjectName("nodeUser");
  m_key = new QLineEdit(this);
  m_key->setObjectName("nodeKey");
  m_key->setPlaceholderText(tr("empty: ssh-agent, then a password"));
  m_folder = new QLineEdit(this);
  m_folder->setObjectName("nodeFolder");
  m_folder->setPlaceholderText(tr("empty: ~/.cache/twb"));
  m_folder->setToolTip(tr("Where the engine and its jobs live on the node"));
  m_labels = new QLineEdit(this);
  m_labels->setPlaceholderText(tr("comma-separated, e.g. gpu, lab"));
  m_capabilities = new QLabel(this);
  m_capabilities->setObjectName("nodeCapabilities");
  m_capabilities->setWordWrap(true);
  m_status = new QLabel(this);
  m_status->setObjectName("nodeStatus");
  m_status->setWordWrap(true);

  auto* form = new QFormLayout;
  form->addRow(tr("Name"), m_name);
  form->addRow(tr("Kind"), m_kind);
  form->addRow(tr("Host"), m_host);
  form->addRow(tr("Port"), m_port);
  form->addRow(tr("User"), m_user);
  form->addRow(tr("Key file"), m_key);
  form->addRow(tr("Engine folder"), m_folder);
  form->addRow(tr("Labels"), m_labels);
  form->addRow(tr("Capabilities"), m_capabilities);
  auto* saveButton = new QPushButton(tr("&Save"), this);
  saveButton->setObjectName("saveNode");
  auto* removeButton = new QPushButton(tr("&Remove"), this);
  m_test = new QPushButton(tr("&Test connection"), this);
  m_test->setObjectName("testNode");
  auto* buttons = new QHBoxLayout;
  buttons->addWidget(saveButton);
  buttons->addWidget(removeButton);
  buttons->addStretch();
  buttons->addWidget(m_test);
  auto* close = new QDialogButtonBox(QDialogButtonBox::Close, this);
  auto* right = new QVBoxLayout;
  right->addLayout(form);
  right->addLayout(buttons);
  right->addWidget(m_status);
  right->addStretch();
  auto* columns = new QHBoxLayout;
  columns->addWidget(m_list, 1);
  columns->addLayout(right, 2);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(columns);
  layout->addWidget(close);

  connect(close, &QDialogButtonBox::rejected, this, &QDialog::reject);
  connect(m_list, &QListWidget::currentRowChanged, this, &NodesDialog::showNode);
  connect(m_kind, &QComboBox::currentIndexChanged, this,
          [this] { showKind(m_kind->currentData().toString()); });
  connect(saveButton, &QPushButton::clicked, this, &NodesDialog::save);
  connect(removeButton, &QPushButton::clicked, this, &NodesDialog::remove);
  connect(m_test, &QPushButton::clicked, this, [this] {
    save();
    m_test->setEnabled(false);
    m_status->setText(tr("Connecting to %1…").arg(m_name->text()));
    m_nodes.test(m_name->text());
  });
  connect(&m_nodes, &app::NodeManager::checked, this, [this](const QString& name, const QString& health) {
    m_test->setEnabled(true);
    m_status->setText(health == "ok" ? tr("%1: connected, engine running.").arg(name)
                                     : tr("%1: %2").arg(name, health));
    reload(name);
  });
  connect(&m_nodes, &app::NodeManager::problem, m_status, &QLabel::setText);
  if (m_kind->count() > 0) showKind(m_kind->itemData(0).toString());
  reload();
}

void NodesDialog::reload(const QString& select) {
  const QSignalBlocker blocker(m_list);
  m_list->clear();
  for (const app::NodeEntry& node : m_nodes.nodes()) {
    m_list->addItem(node.name + (node.health.isEmpty() ? "" : node.health == "ok" ? "  ✓" : "  ✗"));
    m_list->item(m_list->count() - 1)->setData(Qt::UserRole, node.name);
    if (node.name == select) m_list->setCurrentRow(m_list->count() - 1);
  }
  showNode();
}

void NodesDialog::showNode() {
  const auto* item = m_list->currentItem();
  const auto node = item ? m_nodes.find(item->data(Qt::UserRole).toString()) : std::nullopt;
  if (!node) return;
  m_name->setText(node->name);
  showKind(node->kind);
  m_host->setText(node->target.host);
  m_port->setValue(node->target.port);
  m_user->setText(node->target.user);
  m_key->setText(node->target.keyPath);
  m_folder->setText(node->folder);
  m_labels->setText(node->labels.join(", "));
  m_capabilities->setText(describeCapabilities(node->info));
}

void NodesDialog::save() {
  app::NodeEntry entry;
  if (const auto existing = m_nodes.find(m_name->text().trimmed())) entry = *existing;
  entry.name = m_name->text().trimmed();
  entry.kind = m_kind->currentData().toString();
  entry.target = {m_host->text().trimmed(), m_port->value(), m_user->text().trimmed(), m_key->text().trimmed()};
  entry.folder = m_folder->text().trimmed();
  entry.labels.clear();
  for (const QString& label : m_labels->text().split(',', Qt::SkipEmptyParts)) entry.labels << label.trimmed();
  try {
    m_nodes.save(entry);
    m_status->setText(tr("Saved %1.").arg(entry.name));
    reload(entry.name);
  } catch (const std::exception& e) {
    m_status->setText(QString::fromUtf8(e.what()));
  }
}

void NodesDialog::showKind(const QString& id) {
  const QSignalBlocker blocker(m_kind);
  if (m_kind->findData(id) < 0)  // saved with a kind no plugin offers now: kept, not replaced
    m_kind->addItem(tr("%1 (no plugin offers it)").arg(id), id);
  m_kind->setCurrentIndex(m_kind->findData(id));
  if (const plugins::NodeKind* kind = m_nodes.kind(id)) m_host->setPlaceholderText(kind->hostHint());
}

void NodesDialog::remove() {
  if (m_nodes.remove(m_name->text().trimmed())) m_status->setText(tr("Removed %1.").arg(m_name->text()));
  reload();
}

}  // namespace ui
}  // namespace twb
