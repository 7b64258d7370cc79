#pragma once

#include <QDialog>

#include "app/plugin_catalog.h"

class QTableWidget;

namespace twb::ui {

// Help > Plugins: every library found in the plugin folders, what it offers, or why it is not
// used (it did not load, is no Tensor Workbench plugin, or was built for another interface).
class PluginsDialog : public QDialog {
  Q_OBJECT

 public:
  PluginsDialog(const app::PluginCatalog& catalog, const QStringList& folders,
                QWidget* parent = nullptr);
  QTableWidget* table() const { return m_table; }

 private:
  QTableWidget* m_table;
};

}  // namespace twb::ui
