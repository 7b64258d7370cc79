#include "ui/monitor_panel.h"

#include <qcustomplot.h>

#include <QCheckBox>
#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSlider>
#include <QSplitter>
#include <QTabWidget>
#include <QTimer>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "ui/charts.h"
#include "app/run_state_text.h"

namespace twb {
namespace ui {

namespace {
// Whether any curve of `plot` has a point.
bool hasPoints(const QCustomPlot* plot) {
  for (int i = 0; i < plot->graphCount(); ++i)
    if (!plot->graph(i)->data()->isEmpty()) return true;
  return false;
}

constexpr int kRedrawMs = 33;  // at most ~30 redraws a second
// A chart slow to replot (t >= kSlowReplotMs: a project's many runs) takes at most about
// 1/kReplotShare of the GUI thread: it is replotted again after kReplotShare · t ms at the earliest.
constexpr int kSlowReplotMs = 8, kReplotShare = 10;
// Curves up to this many points are drawn as they are; longer ones are reduced to a few points
// per pixel column first (a replot of a million raw points takes ~50 ms here, too slow to keep
// up with 30 redraws a second).
constexpr int kDirectPoints = 20000;
// While data streams in, the axes leave room to grow (a quarter of the x span on the right, a
// tenth of the y span on each side), so that most redraws move no axis and repaint only the
// live curves' layer: the other runs' curves stay in their buffer.
constexpr double kHeadroomX = 0.25, kHeadroomY = 0.1;

// `range` widened by `share` of its span on each side (the lower side alone when `rightOnly`).
QCPRange widened(const QCPRange& range, double share, bool logarithmic) {
  if (logarithmic) {
    const double factor = std::pow(range.upper / range.lower, share);
    return {range.lower / factor, range.upper * factor};
  }
  return {range.lower - share * range.size(), range.upper + share * range.size()};
}

// Whether the data's range `data` still fits in the shown `shown` without being lost in it.
bool fitsIn(const QCPRange& data, const QCPRange& shown) {
  return shown.contains(data.lower) && shown.contains(data.upper) && data.size() >= 0.5 * shown.size();
}

}  // namespace

QVector<double> smoothCurve(const QVector<double>& values, double alpha) {
  QVector<double> smoothed(values.size());
  double average = 0;
  for (int i = 0; i < values.size(); ++i) {
    average = alpha * average + (1 - alpha) * values[i];
    // Dividing by 1 - alpha^(i+1) removes the pull towards the zero the average started from.
    smoothed[i] = alpha > 0 ? average / (1 - std::pow(alpha, i + 1)) : values[i];
  }
  return smoothed;
}

void reduceCurve(const QVector<double>& x, const QVector<double>& y, int buckets,
                 QVector<double>& outX, QVector<double>& outY) {
  outX.clear();
  outY.clear();
  if (x.isEmpty()) return;
  const double first = x.front(), span = std::max(x.back() - first, 1e-300);
  for (qsizetype i = 0; i < x.size();) {
    const int bucket = std::min(buckets - 1, static_cast<int>((x[i] - first) / span * buckets));
    qsizetype lowest = i, highest = i, end = i;
    while (end < x.size() &&
           std::min(buckets - 1, static_cast<int>((x[end] - first) / span * buckets)) == bucket) {
      if (y[end] < y[lowest]) lowest = end;
      if (y[end] > y[highest]) highest = end;
      ++end;
    }
    qsizetype picks[] = {i, std::min(lowest, highest), std::max(lowest, highest), end - 1};
    for (int k = 0; k < 4; ++k)
      if (k == 0 || picks[k] != picks[k - 1]) {
        outX.append(x[picks[k]]);
        outY.append(y[picks[k]]);
      }
    i = end;
  }
}

QCustomPlot* MonitorPanel::addChart(const QString& yLabel, const QString& name,
                                    const QString& emptyNote) {
  auto* plot = new QCustomPlot(this);
  plot->setObjectName(name);
  plot->yAxis->setLabel(yLabel);
  // The legend goes under the chart, in rows of six, not over the curves (a project's ten runs
  // made it cover a third of the plot, and the right end, where live points arrive).
  plot->plotLayout()->setRowSpacing(0);
  plot->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  plot->legend->setWrap(6);
  plot->legend->setMargins({4, 0, 4, 0});
  plot->legend->setRowSpacing(0);
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot->setPlottingHint(QCP::phFastPolylines, true);  // one polyline call per graph
  plot->setMinimumHeight(160);
  // The curves that are changing live on a buffered layer of their own above the others.
  plot->addLayer("live", plot->layer("main"), QCustomPlot::limAbove);
  plot->layer("live")->setMode(QCPLayer::lmBuffered);
  plot->setCurrentLayer("main");
  followPalette(plot);
  // The crosshair: a line under the mouse and each curve's exact value there.
  auto* crosshair = new QCPItemStraightLine(plot);
  crosshair->setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
  crosshair->setVisible(false);
  connect(plot, &QCustomPlot::mouseMove, this, [this, plot, crosshair](QMouseEvent* event) {
    const double x = plot->xAxis->pixelToCoord(event->position().x());
    crosshair->point1->setCoords(x, 0);
    crosshair->point2->setCoords(x, 1);
    crosshair->setVisible(true);
    QToolTip::showText(event->globalPosition().toPoint(), readout(plot, x), plot);
    plot->replot(QCustomPlot::rpQueuedReplot);
  });
  // A zoom or pan is the user's view: live updates leave it alone until a double-click (or
  // Reset view) hands the axes back to the data.
  for (QCPAxis* axis : {plot->xAxis, plot->yAxis})
    connect(axis, qOverload<const QCPRange&>(&QCPAxis::rangeChanged), this, [this, plot] {
      if (!m_fitting) m_userView.insert(plot);
    });
  connect(plot, &QCustomPlot::mouseDoubleClick, this, [this, plot] {
    m_userView.remove(plot);
    fitToData(plot);
  });
  offerSaving(plot);
  auto* note = new QCPItemText(plot);
  note->position->setType(QCPItemPosition::ptAxisRectRatio);
  note->position->setCoords(0.5, 0.5);
  note->setText(emptyNote);
  note->setColor(palette().color(QPalette::PlaceholderText));
  note->setClipToAxisRect(false);
  m_emptyNotes.insert(plot, note);
  m_plots << plot;
  showWhatIsDrawn(plot);
  return plot;
}

void MonitorPanel::showWhatIsDrawn(QCustomPlot* plot) {
  // QCustomPlot sizes a layout column by the narrowest maximum of its cells, and an empty
  // legend's is its margins: under the chart it squeezed the chart to its axis labels. It waits,
  // hidden, inside the chart until it has an entry.
  QCPLegend* legend = plot->legend;
  const bool below = legend->layout() == plot->plotLayout();
  if (legend->itemCount() > 0 && !below) {
    plot->axisRect()->insetLayout()->take(legend);
    plot->plotLayout()->addElement(1, 0, legend);
    plot->plotLayout()->setRowStretchFactor(1, 0.001);
  } else if (legend->itemCount() == 0 && below) {
    plot->plotLayout()->take(legend);
    plot->plotLayout()->simplify();
    plot->axisRect()->insetLayout()->addElement(legend, Qt::AlignTop | Qt::AlignRight);
  }
  legend->setVisible(legend->itemCount() > 0);
  m_emptyNotes.value(plot)->setVisible(!hasPoints(plot));
}

void MonitorPanel::fitToData(QCustomPlot* plot) {
  fitAxes(plot);
  plot->replot(QCustomPlot::rpQueuedReplot);
}

void MonitorPanel::fitAxes(QCustomPlot* plot) {
  m_fitting = true;
  plot->rescaleAxes();
  holdScale(plot);
  m_fitting = false;
}

void MonitorPanel::holdScale(QCustomPlot* plot) {
  if (plot == m_gpuPlot) plot->yAxis->setRange(0, 100);  // shares: the whole scale reads best
  // Amounts from zero, so that half the bytes reads as half the height.
  if (plot == m_networkPlot) plot->yAxis->setRangeLower(0);
}

bool MonitorPanel::followLiveData(QCustomPlot* plot) {
  const QCPRange shownX = plot->xAxis->range(), shownY = plot->yAxis->range();
  m_fitting = true;
  plot->rescaleAxes();
  const QCPRange x = plot->xAxis->range(), y = plot->yAxis->range();
  const bool moved = !fitsIn(x, shownX) || !fitsIn(y, shownY);
  if (moved) {
    plot->xAxis->setRange(x.lower, x.upper + kHeadroomX * x.size());
    plot->yAxis->setRange(widened(y, kHeadroomY, plot->yAxis->scaleType() == QCPAxis::stLogarithmic));
  } else {
    plot->xAxis->setRange(shownX);
    plot->yAxis->setRange(shownY);
  }
  holdScale(plot);
  m_fitting = false;
  return moved;
}

void MonitorPanel::replot(QCustomPlot* plot) {
  // The curves that changed since the last redraw go on the live layer, the others below it; if
  // no curve changes layer and no axis moves, only the live layer is painted again.
  const QSet<QCPGraph*> changed = m_changed.take(plot);
  bool everything = m_redrawAll.remove(plot);  // not only new points: fitted to the data exactly
  // A chart's first drawing with points fits them exactly: its empty axes hold no view to keep,
  // whenever the redraw timer happened to tick before the first points came.
  const bool hasData = hasPoints(plot);
  if (hasData && !m_drawnWithData.contains(plot)) everything = true;
  if (hasData) m_drawnWithData.insert(plot);
  else m_drawnWithData.remove(plot);
  if (!m_userView.contains(plot)) {
    if (everything) fitAxes(plot);
    else everything = followLiveData(plot);
  }
  QCPLayer* live = plot->layer("live");
  for (int i = 0; i < plot->graphCount(); ++i) {
    QCPGraph* graph = plot->graph(i);
    QCPLayer* wanted = changed.contains(graph) ? live : plot->layer("main");
    if (graph->layer() != wanted) {
      graph->setLayer(wanted);
      everything = true;
    }
  }
  if (everything) {
    showWhatIsDrawn(plot);
    plot->replot(QCustomPlot::rpImmediateRefresh);
  } else {
    live->replot();
  }
}

void MonitorPanel::resetView() {
  m_userView.clear();
  for (QCustomPlot* plot : std::as_const(m_plots)) fitToData(plot);
}

void MonitorPanel::setLogScale(bool logarithmic) {
  if (m_logScale->isChecked() != logarithmic) return m_logScale->setChecked(logarithmic);
  for (QCustomPlot* plot : {m_lossPlot, m_lrPlot}) {
    plot->yAxis->setScaleType(logarithmic ? QCPAxis::stLogarithmic : QCPAxis::stLinear);
    plot->yAxis->setTicker(logarithmic ? QSharedPointer<QCPAxisTicker>(new QCPAxisTickerLog)
                                       : QSharedPointer<QCPAxisTicker>(new QCPAxisTicker));
    m_userView.remove(plot);
    fitToData(plot);
  }
}

MonitorPanel::MonitorPanel(QWidget* parent) : QWidget(parent) {
  const QString curvesComeFromRuns =
      tr("No points yet: a run's curves grow here as it reports its steps.");
  m_lossPlot = addChart(tr("training loss"), "loss", curvesComeFromRuns);
  m_lossPlot->setObjectName("lossPlot");
  m_accuracyPlot = addChart(tr("accuracy"), "accuracy", curvesComeFromRuns);
  m_accuracyPlot->setObjectName("accuracyPlot");
  m_throughputPlot = addChart(tr("samples/s"), "throughput", curvesComeFromRuns);
  m_stepTimePlot = addChart(tr("ms per step"), "step-time", curvesComeFromRuns);
  m_lrPlot = addChart(tr("learning rate"), "learning-rate", curvesComeFromRuns);
  m_ranksPlot = addChart(tr("ms per step"), "ranks",
                         tr("No data-parallel run shown: each rank's step time is drawn here for "
                            "runs with the data-parallel strategy."));
  m_ranksPlot->setObjectName("ranksPlot");
  m_gpuPlot = addChart(tr("% of the GPU"), "gpuPlot",
                       tr("No GPU run shown: a GPU's utilization and memory are drawn here for "
                          "runs on a GPU."));
  m_networkPlot =
      addChart(tr("MiB sent per step"), "networkPlot",
               tr("No data-parallel run shown: the bytes rank 0 sends for each step's "
                  "gradients are drawn here for runs with the data-parallel strategy."));
  m_lower = new QTabWidget(this);
  m_lower->addTab(m_accuracyPlot, tr("Accuracy"));
  m_lower->addTab(m_throughputPlot, tr("Throughput"));
  m_lower->addTab(m_stepTimePlot, tr("Step time"));
  m_lower->addTab(m_lrPlot, tr("Learning rate"));
  m_lower->addTab(m_ranksPlot, tr("Ranks"));
  m_lower->setTabToolTip(m_lower->count() - 1,
                         tr("Data parallel: each rank's step time, to spot a slow rank"));
  m_lower->addTab(m_gpuPlot, tr("GPU"));
  m_lower->setTabToolTip(m_lower->count() - 1,
                         tr("Runs on a GPU: its utilization and memory in use (all processes')"));
  m_lower->addTab(m_networkPlot, tr("Network"));
  m_lower->setTabToolTip(m_lower->count() - 1,
                         tr("Data parallel: what rank 0 sends over the network a step (half with "
                            "bf16 or fp16 on the wire; ranks of one node that sum through shared "
                            "memory send nothing to each other)"));
  // A chart in another tab is not drawn while hidden: it is drawn as its tab opens, so that the
  // picture it had when last shown (or none) does not stand until the next redraw tick.
  connect(m_lower, &QTabWidget::currentChanged, this, [this](int index) {
    auto* plot = qobject_cast<QCustomPlot*>(m_lower->widget(index));
    takeNewPoints();
    if (plot && m_undrawn.remove(plot)) replot(plot);
  });

  m_xAxis = new QComboBox(this);
  m_xAxis->setObjectName("xAxis");
  m_xAxis->addItems({tr("step"), tr("epoch"), tr("wall time (s)")});
  m_smoothing = new QSlider(Qt::Horizontal, this);
  m_smoothing->setObjectName("smoothing");
  m_smoothing->setRange(0, 99);
  m_smoothing->setValue(60);
  m_smoothingValue = new QLabel(this);
  m_logScale = new QCheckBox(tr("Log scale (loss, learning rate)"), this);
  m_logScale->setObjectName("logScale");
  auto* reset = new QPushButton(tr("Reset view"), this);
  reset->setObjectName("resetView");
  reset->setToolTip(tr("Follow the data again after a zoom or pan (or double-click a chart)"));
  connect(m_logScale, &QCheckBox::toggled, this, &MonitorPanel::setLogScale);
  connect(reset, &QPushButton::clicked, this, &MonitorPanel::resetView);
  m_log = new QPlainTextEdit(this);
  m_log->setObjectName("log");
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(5000);

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("X axis"), this));
  controls->addWidget(m_xAxis);
  controls->addSpacing(16);
  controls->addWidget(new QLabel(tr("Smoothing"), this));
  controls->addWidget(m_smoothing, 1);
  controls->addWidget(m_smoothingValue);
  controls->addSpacing(16);
  controls->addWidget(m_logScale);
  controls->addWidget(reset);
  m_notShown = new QLabel(this);
  m_notShown->setObjectName("runsNotShown");
  m_notShown->hide();
  controls->addWidget(m_notShown);
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(m_lossPlot);
  splitter->addWidget(m_lower);
  splitter->addWidget(m_log);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 3);
  splitter->setStretchFactor(2, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(splitter, 1);

  m_clock.start();
  m_redraw = new QTimer(this);
  m_redraw->setInterval(kRedrawMs);
  connect(m_redraw, &QTimer::timeout, this, [this] {
    takeNewPoints();
    // One chart a tick, in turn: a replot of many runs takes milliseconds, and the event loop
    // gets its turn between two. A chart in another tab (or the Monitor hidden) waits until
    // shown; a chart slow to replot rests (kReplotShare).
    const qint64 now = m_clock.elapsed();
    for (qsizetype k = 0; k < m_plots.size(); ++k) {
      const qsizetype i = (m_nextPlot + k) % m_plots.size();
      QCustomPlot* plot = m_plots[i];
      const auto [when, took] = m_lastReplot.value(plot);
      const bool resting = took >= kSlowReplotMs && now - when < kReplotShare * took;
      if (!plot->isVisible() || !m_undrawn.contains(plot) || resting) continue;
      m_undrawn.remove(plot);
      replot(plot);
      m_lastReplot.insert(plot, {now, m_clock.elapsed() - now});
      m_nextPlot = i + 1;
      break;
    }
  });
  m_redraw->start();
  const auto showSmoothing = [this] {
    m_smoothingValue->setText(QString::number(smoothing(), 'f', 2));
    for (RunCurves& run : m_runs)
      for (Series& series : run) resmooth(series);
    redrawSoon();
  };
  connect(m_smoothing, &QSlider::valueChanged, this, showSmoothing);
  connect(m_xAxis, &QComboBox::currentIndexChanged, this,
          [this](int index) { setXAxis(static_cast<XAxis>(index)); });
  showSmoothing();
  setXAxis(XAxis::step);
}

QString MonitorPanel::readout(QCustomPlot* chart, double x) const {
  QStringList lines{chart->xAxis->label() + " " + QString::number(x, 'g', 6)};
  for (int i = 0; i < chart->graphCount(); ++i) {
    const QCPGraph* graph = chart->graph(i);
    if (graph->name().isEmpty() || graph->data()->isEmpty()) continue;  // faint raw curves
    auto point = graph->data()->findBegin(x, false);
    if (point == graph->data()->constEnd()) --point;
    lines << graph->name() + ": " + QString::number(point->value, 'g', 6);
  }
  return lines.join('\n');
}

void MonitorPanel::setXAxis(XAxis axis) {
  m_axis = axis;
  const QString label = m_xAxis->itemText(static_cast<int>(axis));
  if (m_xAxis->currentIndex() != static_cast<int>(axis))
    m_xAxis->setCurrentIndex(static_cast<int>(axis));
  for (QCustomPlot* plot : std::as_const(m_plots)) plot->xAxis->setLabel(label);
  for (RunCurves& run : m_runs)
    for (Series& series : run) draw(series);
  m_userView.clear();  // a zoom in steps means nothing in seconds
  redrawSoon();
}

const QVector<double>& MonitorPanel::xs(const Series& series) const {
  switch (m_axis) {
    case XAxis::epoch:
      return series.epochs;
    case XAxis::wallTime:
      return series.times;
    case XAxis::step:
      break;
  }
  return series.steps;
}

double MonitorPanel::smoothing() const { return m_smoothing->value() / 100.0; }

MonitorPanel::Series MonitorPanel::makeSeries(QCustomPlot* plot, const QColor& colour,
                                              const QString& name, Qt::PenStyle style) {
  Series series;
  QColor faint = colour;
  faint.setAlpha(60);
  series.rawGraph = plot->addGraph();
  series.rawGraph->setPen(QPen(faint));
  series.rawGraph->setName({});  // unnamed: out of the legend and the crosshair's readout
  series.rawGraph->removeFromLegend();
  series.smoothGraph = plot->addGraph();
  series.smoothGraph->setPen(QPen(colour, 2, style));
  series.smoothGraph->setName(name);
  return series;
}

void MonitorPanel::addRun(qint64 runId, const QString& label) {
  if (m_runs.contains(runId)) return;
  const QColor colour = runColour(static_cast<int>(m_runs.size()));
  RunCurves run;
  run["loss"] = makeSeries(m_lossPlot, colour, label);
  run["accuracy"] = makeSeries(m_accuracyPlot, colour, label + tr(" (train)"));
  run["eval_accuracy"] = makeSeries(m_accuracyPlot, colour.darker(140), label + tr(" (test)"));
  run["eval_accuracy"].smoothGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
  run["samples_per_s"] = makeSeries(m_throughputPlot, colour, label);
  run["compute_ms"] = makeSeries(m_stepTimePlot, colour, label + tr(" (compute)"));
  run["data_ms"] = makeSeries(m_stepTimePlot, colour, label + tr(" (data)"), Qt::DashLine);
  run["lr"] = makeSeries(m_lrPlot, colour, label);
  m_runs.insert(runId, run);
  m_runLooks.insert(runId, {colour, label});
}

void MonitorPanel::setRunsNotShown(int count) {
  m_notShown->setText(tr("%n older run(s) not drawn", nullptr, count));
  m_notShown->setToolTip(tr("The Monitor draws the newest runs of a project; Compare has them all."));
  m_notShown->setVisible(count > 0);
}

void MonitorPanel::clear() {
  for (QCustomPlot* plot : std::as_const(m_plots)) {
    plot->clearGraphs();
    showWhatIsDrawn(plot);
    plot->replot();
  }
  m_changed.clear();
  m_runs.clear();
  m_loggedRuns.clear();
  m_runLooks.clear();
  m_firstTime = 0;
  m_log->clear();
}

void MonitorPanel::append(Series& series, double step, double epoch, double time, double value) {
  series.steps.append(step);
  series.epochs.append(epoch);
  series.times.append(time);
  series.raw.append(value);
  // The newest smoothed point follows from the running average; the curve is not redone.
  const double alpha = smoothing();
  series.average = alpha * series.average + (1 - alpha) * value;
  series.smooth.append(alpha > 0 ? series.average / (1 - std::pow(alpha, series.raw.size()))
                                 : value);
  if (series.raw.size() <= kDirectPoints) {
    const double x = xs(series).back();
    series.rawGraph->addData(x, value);
    series.smoothGraph->addData(x, series.smooth.back());
  } else {
    series.stale = true;
  }
  // A curve of one point draws no line: a dot shows it until the second point comes.
  const QCPScatterStyle::ScatterShape shape = series.smoothGraph->scatterStyle().shape();
  if (series.raw.size() == 1 && shape == QCPScatterStyle::ssNone)
    series.smoothGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssDisc, 6));
  else if (series.raw.size() == 2 && shape == QCPScatterStyle::ssDisc)
    series.smoothGraph->setScatterStyle(QCPScatterStyle::ssNone);
  m_changed[series.rawGraph->parentPlot()] << series.rawGraph << series.smoothGraph;
  m_dirty = true;
}

MonitorPanel::Series& MonitorPanel::lazySeries(qint64 runId, const QString& key, QCustomPlot* plot,
                                               const QString& name, const QColor& colour,
                                               Qt::PenStyle style) {
  RunCurves& run = m_runs[runId];
  auto found = run.find(key);
  if (found == run.end()) found = run.insert(key, makeSeries(plot, colour, name, style));
  return *found;
}

void MonitorPanel::resmooth(Series& series) const {
  const double alpha = smoothing();
  series.average = 0;
  for (double value : series.raw) series.average = alpha * series.average + (1 - alpha) * value;
  series.smooth = smoothCurve(series.raw, alpha);
  draw(series);
}

void MonitorPanel::draw(Series& series) const {
  series.stale = false;
  const QVector<double>& x = xs(series);
  if (series.raw.size() <= kDirectPoints) {
    series.rawGraph->setData(x, series.raw, true);
    series.smoothGraph->setData(x, series.smooth, true);
    return;
  }
  // A few points per pixel column keep every peak; antialiasing them would cost more than it
  // shows.
  series.rawGraph->setAntialiased(false);
  series.smoothGraph->setAntialiased(false);
  const int buckets = std::max(256, series.smoothGraph->keyAxis()->axisRect()->width());
  QVector<double> rx, ry;
  reduceCurve(x, series.raw, buckets, rx, ry);
  series.rawGraph->setData(rx, ry, true);
  reduceCurve(x, series.smooth, buckets, rx, ry);
  series.smoothGraph->setData(rx, ry, true);
}

void MonitorPanel::takeNewPoints() {
  if (!m_dirty) return;
  m_dirty = false;
  for (RunCurves& run : m_runs)
    for (Series& series : run)
      if (series.stale) draw(series);
  m_undrawn += m_redrawAll;
  for (auto it = m_changed.cbegin(); it != m_changed.cend(); ++it) m_undrawn.insert(it.key());
}

void MonitorPanel::redrawSoon() {
  m_dirty = true;
  m_redrawAll = QSet<QCustomPlot*>(m_plots.cbegin(), m_plots.cend());
}

void MonitorPanel::addEvent(qint64 runId, const QString& type, const QByteArray& json) {
  const auto found = m_runs.find(runId);
  if (found == m_runs.end() && !m_loggedRuns.contains(runId)) return;
  const QJsonObject e = QJsonDocument::fromJson(json).object();
  if (found != m_runs.end() && m_firstTime == 0) m_firstTime = e.value("time").toDouble();
  if (type == "log" || type == "state") return addToLog(runId, type, e);
  if (found == m_runs.end()) return;  // a logged run: its other events draw nothing
  const double step = e.value("step").toDouble(), epoch = e.value("epoch").toDouble();
  const double time = e.value("time").toDouble() - m_firstTime;
  RunCurves& run = *found;
  if (type == "step") {
    for (const char* metric : {"loss", "accuracy", "samples_per_s", "compute_ms", "data_ms", "lr"})
      if (e.contains(metric)) append(run[metric], step, epoch, time, e.value(metric).toDouble());
    // Data parallel: the communication backward did not hide, and every rank's step time.
    const auto [colour, label] = m_runLooks.value(runId);
    if (e.contains("exposed_comm_ms"))
      append(lazySeries(runId, "exposed_comm_ms", m_stepTimePlot,
                        label + tr(" (exposed communication)"), colour, Qt::DotLine),
             step, epoch, time, e.value("exposed_comm_ms").toDouble());
    // Data parallel: the bytes sent since the step event before, per step.
    if (e.contains("bytes_sent")) {
      Series& sent = lazySeries(runId, "bytes_sent", m_networkPlot, label, colour, Qt::SolidLine);
      const double since = sent.steps.isEmpty() ? 0 : sent.steps.back();
      append(sent, step, epoch, time,
             e.value("bytes_sent").toDouble() / (1 << 20) / std::max(1.0, step - since));
    }
    // A GPU run: how busy its GPU is, and how full.
    if (e.contains("gpu_utilization"))
      append(lazySeries(runId, "gpu_utilization", m_gpuPlot, label + tr(" · utilization"), colour,
                        Qt::SolidLine),
             step, epoch, time, e.value("gpu_utilization").toDouble());
    if (e.value("gpu_memory_total").toDouble() > 0)
      append(
          lazySeries(runId, "gpu_memory", m_gpuPlot, label + tr(" · memory"), colour, Qt::DashLine),
          step, epoch, time,
          100 * e.value("gpu_memory_used").toDouble() / e.value("gpu_memory_total").toDouble());
    // Ranks of a run share its colour and differ by dash pattern (then by shade).
    static const Qt::PenStyle dashes[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine,
                                          Qt::DashDotDotLine};
    for (const QJsonValue& rank : e.value("ranks").toArray()) {
      const int r = rank.toObject().value("rank").toInt();
      append(lazySeries(runId, QString("rank %1").arg(r), m_ranksPlot,
                        tr("%1 · rank %2").arg(label).arg(r), colour.darker(100 + 30 * (r / 5)),
                        dashes[r % 5]),
             step, epoch, time, rank.toObject().value("step_ms").toDouble());
    }
  } else if (type == "eval") {
    append(run["eval_accuracy"], step, epoch, time, e.value("accuracy").toDouble());
    m_log->appendPlainText(tr("run %1, step %2: test accuracy %3, loss %4")
                               .arg(runId)
                               .arg(step)
                               .arg(e.value("accuracy").toDouble(), 0, 'f', 4)
                               .arg(e.value("loss").toDouble(), 0, 'f', 4));
  }
}

void MonitorPanel::addToLog(qint64 runId, const QString& type, const QJsonObject& e) {
  if (type == "log") {
    QString message = e.value("message").toString();
    if (e.value("level").toString() == "warning") message = tr("warning: %1").arg(message);
    m_log->appendPlainText(tr("run %1: %2").arg(runId).arg(message));
    return;
  }
  const QString name = e.value("state").toString();
  const auto state = app::jobStateNamed(name);  // a state from a newer node: its own name
  QString line = tr("run %1: %2").arg(runId).arg(state ? app::runStateText(*state) : name);
  if (e.contains("reason")) line += " — " + e.value("reason").toString();
  if (e.contains("test_accuracy"))
    line += tr(" (test accuracy %1)").arg(e.value("test_accuracy").toDouble(), 0, 'f', 4);
  m_log->appendPlainText(line);
  // An ended run grows no more: the charts drop the room kept for live points and fit again.
  if (state && !isUnderWay(*state) && m_runs.contains(runId)) redrawSoon();
}

void MonitorPanel::loadLossCurve(qint64 runId, const QVector<double>& steps,
                                 const QVector<double>& values) {
  const auto found = m_runs.find(runId);
  if (found == m_runs.end()) return;
  Series& loss = (*found)["loss"];
  loss.steps = loss.epochs = loss.times = steps;
  loss.raw = values;
  resmooth(loss);
  redrawSoon();
}

int MonitorPanel::pointCount(qint64 runId) const {
  const auto found = m_runs.find(runId);
  return found == m_runs.end() ? 0 : static_cast<int>(found->value("loss").raw.size());
}

}  // namespace ui
}  // namespace twb
