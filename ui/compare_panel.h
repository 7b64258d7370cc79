#pragma once

#include <QHash>
#include <QJsonArray>
#include <QJsonObject>
#include <QSet>
#include <QWidget>
#include <optional>

#include "app/experiment_store.h"
#include "app/run_summary.h"
#include "plugins/plugin_interfaces.h"

class QComboBox;
class QCustomPlot;
class QDoubleSpinBox;
class QLabel;
class QPushButton;
class QTableWidget;
class QTableWidgetItem;

namespace twb {
namespace app {
class StoreReader;
}  // namespace app

namespace ui {

// Runs side by side (untick a run to leave it out of the chart): precision, where it ran (device,
// ranks, nodes), final test accuracy, its difference from the baseline run, throughput (training,
// or inference for int8 models), speedup over the baseline of the same kind, scaling efficiency
// against a baseline on another number of ranks, model size, the time each took to reach a chosen
// test accuracy, MFU (against its nodes' matmul peak in the run's own precision), and a column
// per job field that differs between the runs (the hyper-parameters); columns sort by value.
// Below, the training runs' test accuracy, training loss or throughput overlaid (each run in its
// Monitor colour); runs with one or two evaluations show their final values as bars on an axis
// around them; beside it, parallel coordinates of the hyper-parameters and the test accuracy (a
// sweep's chart). The run with the best test accuracy is marked (bold, a star). Exports the table
// as CSV (raw numbers, units in the header) and the charts as PNG, SVG or PDF.
class ComparePanel : public QWidget {
  Q_OBJECT

 public:
  ComparePanel(app::StoreReader& reader, qint64 projectId, QWidget* parent = nullptr);

  QTableWidget* table() const { return m_table; }
  QCustomPlot* chart() const { return m_chart; }
  class ParallelCoordinates* coordinates() const { return m_coordinates; }
  class ConfusionView* confusion() const {
    return m_confusion;
  }
  void setTargetAccuracy(double percent);
  // The chart's metric: "eval/accuracy", "train/loss", "samples_per_s" or "eval/by_class".
  void showMetric(const QString& metric);
  // Reads the project's runs again, off the GUI thread; the table and charts change when the
  // answer is in (refreshed()). A page of a tab widget that is not the current one reads when
  // it is shown.
  void refresh();
  void setProjectId(qint64 projectId);  // shows that project's runs
  bool exportCsv(const QString& path) const;
  // The table as shown (and the chart) in a plugin's report format; false with `error`.
  bool exportReport(const plugins::ReportFormat& format, const QString& path, QString* error) const;
  void setReportFormats(const QList<const plugins::ReportFormat*>& formats);

 signals:
  void refreshed();  // the table and the chart show the latest read

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  // What the table is made of, read off the GUI thread.
  struct Rows {
    QList<app::Run> runs;
    QHash<qint64, std::optional<double>> secondsToTarget;  // succeeded training runs
    QHash<qint64, app::RunPlacement> placements;           // where each run trained
    QHash<QString, QJsonObject> nodes;                     // the runs' nodes, as last saved
    QStringList fields;                                     // the job fields that differ
    QHash<qint64, QList<QJsonValue>> fieldValues;           // a training run's, by field
    QHash<qint64, QByteArray> profiles;                     // each run's latest step profile
    QHash<qint64, QJsonObject> perClass;                    // each evaluated run's per_class
  };
  void fill(const Rows& rows);
  // The latest step profile of each run shown, its costliest layers first, for reports.
  QJsonArray reportProfiles() const;
  // The shown runs' test accuracy by class (percent), for reports: {"names", "runs": [{"run",
  // "accuracy"}]}; empty when no shown run has one.
  QJsonObject reportClasses() const;
  void plot();  // reads the chosen metric's curves, then draws them
  void draw(const QList<app::Run>& runs, const QHash<qint64, QVector<app::MetricPoint>>& curves);
  // Each ticked training run's test accuracy by class, and each quantized run's.
  void drawByClass(const QList<app::Run>& training);
  // The fixed columns, then one per job field that differs between the runs.
  void setHeaders(const QStringList& fields);
  // Bold and a star on the row with the highest test accuracy.
  void markBest();
  void plotCoordinates(const Rows& rows);

  app::StoreReader& m_reader;
  qint64 m_projectId;
  // The column and order each project's table was last sorted by, restored when it is shown again.
  QHash<qint64, std::pair<int, Qt::SortOrder>> m_sortOf;
  bool m_stale = false;  // refresh() waits until the panel is shown
  int m_tableRead = 0, m_plotRead = 0;  // the latest reads: older answers are dropped
  QList<app::Run> m_runs;               // as the table shows them
  QHash<qint64, QByteArray> m_profiles;  // their latest step profiles (JSON), for reports
  QHash<qint64, QJsonObject> m_perClass;  // their evaluations by class (docs/events.md)

  QComboBox *m_baseline, *m_metric;
  QDoubleSpinBox* m_target;
  QTableWidget* m_table;
  QPushButton* m_export;  // a menu: the table as CSV, a report in each plugin format, the chart
  QCustomPlot* m_chart;
  class ParallelCoordinates* m_coordinates;
  class ConfusionView* m_confusion;
  // The chart draws the newest kChartRuns training runs unless the user ticks others or unticks
  // them: a project's hundreds of curves are unreadable and slow every redraw.
  static constexpr int kChartRuns = 10;
  bool isDrawn(qint64 runId) const;
  QSet<qint64> drawnRuns() const;
  QHash<qint64, bool> m_picked;  // the user's ticks
  QSet<qint64> m_newest;         // the newest kChartRuns training runs
  QLabel* m_chartNote;           // how many runs the chart leaves out
};

}  // namespace ui
}  // namespace twb
