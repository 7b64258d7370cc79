#pragma once

#include <QHash>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QSlider;
class QTimer;

namespace twb {
namespace ui {

// Live training curves (QCustomPlot): training loss, and evaluation and training accuracy, by
// step, one colour per run, with a smoothing slider (debiased exponential moving average, as
// TensorBoard draws it, the raw curve kept faint behind). Points are added as events arrive; the
// plots redraw at most 30 times a second however fast they come. A log console lists evaluations
// and messages.
class MonitorPanel : public QWidget {
  Q_OBJECT

 public:
  explicit MonitorPanel(QWidget* parent = nullptr);

  // Shows a run under `label` (its colour is picked here).
  void addRun(qint64 runId, const QString& label);
  // One event of a shown run (docs/events.md).
  void addEvent(qint64 runId, const QString& type, const QByteArray& json);
  int pointCount(qint64 runId) const;
  double smoothing() const;

 private:
  struct Series {
    QVector<double> steps, raw;
    double average = 0;  // the biased running average behind the newest smoothed point
    QCPGraph *rawGraph = nullptr, *smoothGraph = nullptr;
  };
  struct RunCurves {
    Series loss, trainAccuracy, evalAccuracy;
  };
  Series makeSeries(QCustomPlot* plot, const QColor& colour, const QString& name);
  void append(Series& series, double step, double value);
  void resmooth(Series& series) const;
  void redrawSoon();

  QCustomPlot *m_lossPlot, *m_accuracyPlot;
  QSlider* m_smoothing;
  QLabel* m_smoothingValue;
  QPlainTextEdit* m_log;
  QTimer* m_redraw;
  QHash<qint64, RunCurves> m_runs;
  bool m_dirty = false;
};

// The debiased exponential moving average of `values` with weight `alpha` (0: none).
QVector<double> smoothCurve(const QVector<double>& values, double alpha);

}  // namespace ui
}  // namespace twb
