#pragma once

#include <QJsonArray>
#include <QWidget>

class QComboBox;
class QCustomPlot;
class QLabel;
class QLineEdit;
class QPushButton;
class QSplitter;
class QTableWidget;

namespace twb {
namespace app {
class StoreReader;
}  // namespace app

namespace ui {

class ModelGraphView;

// Where a step's time goes, per layer, from a run's latest profile event (docs/events.md): op,
// output shape, precision, forward and backward ms, share of the step, achieved GFLOP/s and
// parameters, sortable and filterable, with a bar chart of the costliest layers, and the run's
// model drawn as a graph coloured by time, precision (an int8 run's quantization report: its
// fallback layers) or speedup. Another run of the same model picked beside it gives each layer's
// speedup (where bf16 won, where not) and is drawn beside the first, coloured the same way. A
// layer clicked in either graph is selected in both and in the table, and the other way round.
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
  ModelGraphView* graph() const { return m_graph; }
  ModelGraphView* otherGraph() const { return m_otherGraph; }  // hidden while no other run
  QComboBox* colouringChooser() const { return m_colouring; }
  QCustomPlot* barChart() const { return m_bars; }  // the costliest layers
  // Writes the chosen run's profiled steps as a Chrome trace and opens it with the system's
  // handler (the browser); returns the file, empty when there is nothing to write.
  QString openTrace();

 signals:
  void shown();  // the table shows the chosen runs' latest profiles

 private:
  void show();  // reads the chosen runs' profiles, then fills the table
  struct Answer;  // what show() reads
  void fill(const Answer& answer);
  void fillGraph(const Answer& answer);
  void selectLayer(const QString& layer);  // in both graphs and the table
  void selectRowOf(const QString& layer);

  app::StoreReader& m_reader;
  qint64 m_projectId;
  qint64 m_wanted =
      0;  // the run last chosen, in the browser or here: kept when the list is read again
  int m_listRead = 0, m_profileRead = 0;  // the latest reads: older answers are dropped
  qint64 m_filledRun = 0;                 // whose profile the table holds
  QList<QByteArray> m_profiles;  // the chosen run's, as the table shows them
  QComboBox *m_run, *m_other;
  QLineEdit* m_filter;
  QLabel *m_step, *m_traceStatus;
  QPushButton* m_openTrace;
  QTableWidget* m_table;
  QCustomPlot* m_bars;
  ModelGraphView *m_graph, *m_otherGraph;
  QLabel *m_graphTitle, *m_otherGraphTitle;
  QSplitter* m_graphs;  // the two graphs side by side
  QComboBox* m_colouring;
  QLabel* m_legend;
  QString m_drawnJob;  // the job whose model the graph shows: drawn again only when it changes
  QString m_otherDrawnJob;
};

}  // namespace ui
}  // namespace twb
