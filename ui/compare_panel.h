#pragma once

#include <QSet>
#include <QWidget>

class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QTableWidget;

namespace twb {
namespace app {
class ExperimentStore;
}  // namespace app

namespace ui {

// Runs side by side (untick a run to leave it out of the chart): precision, final test accuracy, its difference from the baseline run,
// throughput (training, or inference for int8 models), speedup over the baseline of the same
// kind, model size, and the time each took to reach a chosen test accuracy; below, the training
// runs' test accuracy or training loss overlaid (each run in its Monitor colour). Exports the
// table as CSV and the chart as PNG, SVG or PDF.
class ComparePanel : public QWidget {
  Q_OBJECT

 public:
  ComparePanel(app::ExperimentStore& store, qint64 projectId, QWidget* parent = nullptr);

  QTableWidget* table() const { return m_table; }
  QCustomPlot* chart() const { return m_chart; }
  void setTargetAccuracy(double percent);
  void refresh();
  void setProjectId(qint64 projectId);  // shows that project's runs
  bool exportCsv(const QString& path) const;

 private:
  app::ExperimentStore& m_store;
  qint64 m_projectId;
  void plot();

  QComboBox *m_baseline, *m_metric;
  QDoubleSpinBox* m_target;
  QTableWidget* m_table;
  QCustomPlot* m_chart;
  QSet<qint64> m_unpicked;  // runs left out of the chart
};

}  // namespace ui
}  // namespace twb
