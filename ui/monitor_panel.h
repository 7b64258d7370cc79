#pragma once

#include <QElapsedTimer>
#include <QHash>
#include <QJsonObject>
#include <QSet>
#include <QVector>
#include <QWidget>

class QCustomPlot;
class QCPGraph;
class QCPItemText;
class QCheckBox;
class QComboBox;
class QLabel;
class QPlainTextEdit;
class QSlider;
class QTabWidget;
class QTimer;

namespace twb {
namespace ui {

// Live training curves (QCustomPlot), one colour per run: training loss on top; below, in tabs,
// training and test accuracy, throughput (samples/s), the step time split into waiting for data
// and compute, and the learning rate. The x-axis is the step, the epoch or the wall time; a
// smoothing slider applies a debiased exponential moving average (as TensorBoard draws it) with
// the raw curve kept faint behind. Points are added as events arrive; the charts redraw at most
// 30 times a second however fast they come, and curves longer than 20 000 points are drawn
// reduced per pixel column. Any chart saves as PNG, SVG or PDF from its context menu. Drag pans
// and the wheel zooms; a zoomed or panned chart keeps that view through live updates until a
// double-click or Reset view. Loss and learning rate can be drawn on a log scale.
class MonitorPanel : public QWidget {
  Q_OBJECT

 public:
  enum class XAxis { step, epoch, wallTime };

  explicit MonitorPanel(QWidget* parent = nullptr);

  // Shows a run under `label` (its colour is picked here).
  void addRun(qint64 runId, const QString& label);
  // A run that draws no curves (quantize, export): its messages and states go to the log.
  void addLoggedRun(qint64 runId) { m_loggedRuns.insert(runId); }
  // Shows no run any more (the colours start again).
  void clear();
  // Says that `count` older runs of the project are not drawn (none when 0).
  void setRunsNotShown(int count);
  // The stored curves are all in (a project's history): the charts fit them exactly, without the
  // room to grow they keep while data streams in.
  void historyShown() { redrawSoon(); }
  // One event of a shown or logged run (docs/events.md); events of other runs are ignored.
  void addEvent(qint64 runId, const QString& type, const QByteArray& json);
  // A stored run's whole training-loss curve at once (steps and values of equal length).
  void loadLossCurve(qint64 runId, const QVector<double>& steps, const QVector<double>& values);
  int pointCount(qint64 runId) const;
  double smoothing() const;
  void setXAxis(XAxis axis);
  QCustomPlot* lossPlot() const { return m_lossPlot; }
  QCustomPlot* learningRatePlot() const { return m_lrPlot; }
  // Whether `chart` keeps the user's zoom or pan instead of following the data.
  bool keepsUserView(QCustomPlot* chart) const { return m_userView.contains(chart); }
  // Every chart follows the data again.
  void resetView();
  // The loss and learning-rate charts on a logarithmic y axis.
  void setLogScale(bool logarithmic);
  // What the crosshair shows at `x` on `chart`: the x value and each run's curve there.
  QString readout(QCustomPlot* chart, double x) const;

 private:
  struct Series {
    QVector<double> steps, epochs, times, raw, smooth;
    double average = 0;  // the biased running average behind the newest smoothed point
    bool stale = false;  // its graphs need drawing again
    QCPGraph *rawGraph = nullptr, *smoothGraph = nullptr;
  };
  // The curves of one run, by metric ("loss", "accuracy", "eval_accuracy", ...).
  using RunCurves = QHash<QString, Series>;

  // A chart, and what it says while it has no points: which runs draw on it.
  QCustomPlot* addChart(const QString& yLabel, const QString& name, const QString& emptyNote);
  // The legend under the chart while it has entries; the empty note while it has no points.
  void showWhatIsDrawn(QCustomPlot* plot);
  Series makeSeries(QCustomPlot* plot, const QColor& colour, const QString& name,
                    Qt::PenStyle style = Qt::SolidLine);
  // A "log" or "state" event as a line of the log.
  void addToLog(qint64 runId, const QString& type, const QJsonObject& event);
  void append(Series& series, double step, double epoch, double time, double value);
  // A curve only some runs have (data parallel: communication, ranks), made at its first value.
  Series& lazySeries(qint64 runId, const QString& key, QCustomPlot* plot, const QString& name,
                     const QColor& colour, Qt::PenStyle style = Qt::SolidLine);
  const QVector<double>& xs(const Series& series) const;
  void resmooth(Series& series) const;
  void draw(Series& series) const;  // hands the graphs the curve, reduced when it is long
  // Draws the series that got points since the last redraw tick and marks their charts undrawn.
  void takeNewPoints();
  void redrawSoon();  // every chart, fitted to the data
  // Axes to the data, not taken for the user's zoom; replotted soon.
  void fitToData(QCustomPlot* plot);
  void fitAxes(QCustomPlot* plot);
  // The y ranges some charts keep whatever their data: the GPU's shares 0-100 %, bytes from 0.
  void holdScale(QCustomPlot* plot);
  // Axes kept while the chart's data fits in them, else fitted with room to grow; true when
  // they moved.
  bool followLiveData(QCustomPlot* plot);
  void replot(QCustomPlot* plot);  // now: only its live layer where that is enough

  QCustomPlot *m_lossPlot, *m_accuracyPlot, *m_throughputPlot, *m_stepTimePlot, *m_lrPlot,
      *m_ranksPlot, *m_gpuPlot, *m_networkPlot;
  QList<QCustomPlot*> m_plots;
  QTabWidget* m_lower;
  QComboBox* m_xAxis;
  QSlider* m_smoothing;
  QCheckBox* m_logScale;
  QSet<QCustomPlot*> m_userView;  // charts zoomed or panned by the user
  QSet<QCustomPlot*> m_undrawn;   // charts not drawn since their data changed
  QSet<QCustomPlot*> m_redrawAll; // charts to draw whole, fitted exactly (not just new points)
  QSet<QCustomPlot*> m_drawnWithData;  // charts whose last drawing had points
  QHash<QCustomPlot*, QSet<QCPGraph*>> m_changed;  // curves with new points since drawn
  qsizetype m_nextPlot = 0;       // where the next redraw looks first
  QElapsedTimer m_clock;
  QHash<QCustomPlot*, QCPItemText*> m_emptyNotes;
  QHash<QCustomPlot*, QPair<qint64, qint64>> m_lastReplot;  // when (m_clock, ms) and how long
  bool m_fitting = false;         // axes are being fitted to the data, not moved by the user
  QLabel* m_smoothingValue;
  QPlainTextEdit* m_log;
  QLabel* m_notShown;  // older runs of the project left out
  QTimer* m_redraw;
  QHash<qint64, RunCurves> m_runs;
  QSet<qint64> m_loggedRuns;                         // addLoggedRun()
  QHash<qint64, QPair<QColor, QString>> m_runLooks;  // colour and label of each run
  XAxis m_axis = XAxis::step;
  double m_firstTime = 0;  // wall time of the first event shown, the origin of the time axis
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
