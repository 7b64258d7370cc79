#include "ui/plugins_dialog.h"

#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QTableWidget>
#include <QVBoxLayout>

namespace twb::ui {

PluginsDialog::PluginsDialog(const app::PluginCatalog& catalog, const QStringList& folders,
                             QWidget* parent)
    : QDialog(parent) {
  setWindowTitle(tr("Plugins"));
  setObjectName("pluginsDialog");
  auto* where = new QLabel(tr("Looked for in: %1").arg(folders.join(", ")), this);
  where->setWordWrap(true);
  where->setTextInteractionFlags(Qt::TextSelectableByMouse);
  m_table = new QTableWidget(0, 5, this);
  m_table->setObjectName("pluginsTable");
  m_table->setHorizontalHeaderLabels(
      {tr("Plugin"), tr("Version"), tr("Offers"), tr("State"), tr("File")});
  m_table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  m_table->horizontalHeader()->setStretchLastSection(true);
  m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  for (const app::PluginEntry& e : catalog.entries()) {
    const int row = m_table->rowCount();
    m_table->insertRow(row);
    auto* state =
        new QTableWidgetItem(e.error.isEmpty() ? tr("loaded") : tr("not used: %1").arg(e.error));
    if (!e.error.isEmpty()) state->setForeground(QColor("#c62828"));
    state->setToolTip(e.error);
    m_table->setItem(row, 0, new QTableWidgetItem(e.name));
    m_table->setItem(row, 1, new QTableWidgetItem(e.version));
    m_table->setItem(row, 2, new QTableWidgetItem(e.provides.join("; ")));
    m_table->setItem(row, 3, state);
    m_table->setItem(row, 4, new QTableWidgetItem(e.file));
  }
  if (catalog.entries().isEmpty()) {
    m_table->insertRow(0);
    m_table->setItem(0, 0, new QTableWidgetItem(tr("No plugins found")));
  }
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(where);
  layout->addWidget(m_table, 1);
  layout->addWidget(buttons);
  resize(900, 360);
}

}  // namespace twb::ui
