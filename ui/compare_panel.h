#pragma once

#include <QWidget>

class QComboBox;
class QTableWidget;

namespace twb {
namespace app {
class ExperimentStore;
}  // namespace app

namespace ui {

// Runs side by side: precision, final test accuracy, its difference from the baseline run,
// throughput (training, or inference for int8 models), speedup over the baseline of the same
// kind, and model size. Exports the table as CSV.
class ComparePanel : public QWidget {
  Q_OBJECT

 public:
  ComparePanel(app::ExperimentStore& store, qint64 projectId, QWidget* parent = nullptr);

  QTableWidget* table() const { return m_table; }
  void refresh();
  bool exportCsv(const QString& path) const;

 private:
  app::ExperimentStore& m_store;
  qint64 m_projectId;
  QComboBox* m_baseline;
  QTableWidget* m_table;
};

}  // namespace ui
}  // namespace twb
