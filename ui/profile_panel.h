#pragma once

#include <QJsonArray>
#include <QWidget>

class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QPushButton;
class QTableWidget;

namespace twb {
namespace app {
class ExperimentStore;
}  // namespace app

namespace ui {

// Where a step's time goes, per layer, from a run's latest profile event (docs/events.md): op,
// output shape, precision, forward and backward ms, share of the step, achieved GFLOP/s and
// parameters, sortable and filterable, with a bar chart of the costliest layers. Another run of
// the same model picked beside it gives each layer's speedup (where bf16 won, where not).
class ProfilePanel : public QWidget {
  Q_OBJECT

 public:
  ProfilePanel(app::ExperimentStore& store, qint64 projectId, QWidget* parent = nullptr);
  void refresh();  // the runs that have profiles
  void showRun(qint64 runId);  // chooses it when it is one of them
  void setProjectId(qint64 projectId);  // shows that project's runs
  QTableWidget* table() const { return m_table; }
  QComboBox* runChooser() const { return m_run; }
  QComboBox* otherChooser() const { return m_other; }
  // Writes the chosen run's profiled steps as a Chrome trace and opens it with the system's
  // handler (the browser); returns the file, empty when there is nothing to write.
  QString openTrace();

 private:
  QJsonArray latestLayers(qint64 runId) const;
  void show();

  app::ExperimentStore& m_store;
  qint64 m_projectId;
  QComboBox *m_run, *m_other;
  QLineEdit* m_filter;
  QLabel *m_step, *m_traceStatus;
  QPushButton* m_openTrace;
  QTableWidget* m_table;
  QCustomPlot* m_bars;
};

}  // namespace ui
}  // namespace twb
