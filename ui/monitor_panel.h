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
  // A stored run's whole training-loss curve at once (steps and values of equal length).
  void loadLossCurve(qint64 runId, const QVector<double>& steps, const QVector<double>& values);
  int pointCount(qint64 runId) const;
  QCustomPlot* lossPlot() const { return m_lossPlot; }
  double smoothing() const;

 private:
  struct Series {
    QVector<double> steps, raw, smooth;
    double average = 0;  // the biased running average behind the newest smoothed point
    bool stale = false;  // a long curve whose graphs need drawing again
    QCPGraph *rawGraph = nullptr, *smoothGraph = nullptr;
  };
  struct RunCurves {
    Series loss, trainAccuracy, evalAccuracy;
  };
  Series makeSeries(QCustomPlot* plot, const QColor& colour, const QString& name);
  void append(Series& series, double step, double value);
  void resmooth(Series& series) const;
  void draw(Series& series) const;  // hands the graphs the curve, reduced when it is long
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

// A long curve reduced for drawing: the first, minimum, maximum and last point of each of
// `buckets` equal spans of x, in order, so that every peak and dip stays visible.
void reduceCurve(const QVector<double>& x, const QVector<double>& y, int buckets,
                 QVector<double>& outX, QVector<double>& outY);

}  // namespace ui
}  // namespace twb
