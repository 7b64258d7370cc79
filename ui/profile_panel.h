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
class StoreReader;
}  // namespace app

namespace ui {

// Where a step's time goes, per layer, from a run's latest profile event (docs/events.md): op,
// output shape, precision, forward and backward ms, share of the step, achieved GFLOP/s and
// parameters, sortable and filterable, with a bar chart of the costliest layers. Another run of
// the same model picked beside it gives each layer's speedup (where bf16 won, where not).
class ProfilePanel : public QWidget {
  Q_OBJECT

 public:
  ProfilePanel(app::StoreReader& reader, qint64 projectId, QWidget* parent = nullptr);
  // Reads again, off the GUI thread, which runs have profiles; shown() when the table is in.
  void refresh();
  void showRun(qint64 runId);  // chooses it when it is one of them, now or once they are read
  void setProjectId(qint64 projectId);  // shows that project's runs
  QTableWidget* table() const { return m_table; }
  QComboBox* runChooser() const { return m_run; }
  QComboBox* otherChooser() const { return m_other; }
  // Writes the chosen run's profiled steps as a Chrome trace and opens it with the system's
  // handler (the browser); returns the file, empty when there is nothing to write.
  QString openTrace();

 signals:
  void shown();  // the table shows the chosen runs' latest profiles

 private:
  void show();  // reads the chosen runs' profiles, then fills the table
  void fill(const QList<QByteArray>& profiles, const QJsonArray& otherLayers);

  app::StoreReader& m_reader;
  qint64 m_projectId;
  qint64 m_wanted = 0;          // the run to choose once the choosers are filled
  int m_listRead = 0, m_profileRead = 0;  // the latest reads: older answers are dropped
  QList<QByteArray> m_profiles;  // the chosen run's, as the table shows them
  QComboBox *m_run, *m_other;
  QLineEdit* m_filter;
  QLabel *m_step, *m_traceStatus;
  QPushButton* m_openTrace;
  QTableWidget* m_table;
  QCustomPlot* m_bars;
};

}  // namespace ui
}  // namespace twb
