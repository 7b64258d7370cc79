#include "ui/monitor_panel.h"

#include <qcustomplot.h>

#include <QHBoxLayout>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QPlainTextEdit>
#include <QSlider>
#include <QSplitter>
#include <QTimer>
#include <QVBoxLayout>
#include <cmath>

namespace twb {
namespace ui {

namespace {
constexpr int kRedrawMs = 33;  // at most ~30 redraws a second
// Curves up to this many points are drawn as they are; longer ones are reduced to a few points
// per pixel column first (a replot of a million raw points takes ~50 ms here, too slow to keep
// up with 30 redraws a second).
constexpr int kDirectPoints = 20000;

const QColor kRunColours[] = {QColor(31, 119, 180), QColor(255, 127, 14), QColor(44, 160, 44),
                              QColor(214, 39, 40),  QColor(148, 103, 189), QColor(140, 86, 75)};

QCustomPlot* makePlot(const QString& yLabel, QWidget* parent) {
  auto* plot = new QCustomPlot(parent);
  plot->xAxis->setLabel(QObject::tr("step"));
  plot->yAxis->setLabel(yLabel);
  plot->legend->setVisible(true);
  plot->setInteractions(QCP::iRangeDrag | QCP::iRangeZoom);
  plot->setPlottingHint(QCP::phFastPolylines, true);  // one polyline call per graph
  plot->setMinimumHeight(160);
  return plot;
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

MonitorPanel::MonitorPanel(QWidget* parent) : QWidget(parent) {
  m_lossPlot = makePlot(tr("training loss"), this);
  m_lossPlot->setObjectName("lossPlot");
  m_accuracyPlot = makePlot(tr("accuracy"), this);
  m_accuracyPlot->setObjectName("accuracyPlot");
  m_smoothing = new QSlider(Qt::Horizontal, this);
  m_smoothing->setObjectName("smoothing");
  m_smoothing->setRange(0, 99);
  m_smoothing->setValue(60);
  m_smoothingValue = new QLabel(this);
  m_log = new QPlainTextEdit(this);
  m_log->setObjectName("log");
  m_log->setReadOnly(true);
  m_log->setMaximumBlockCount(5000);

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Smoothing"), this));
  controls->addWidget(m_smoothing, 1);
  controls->addWidget(m_smoothingValue);
  auto* splitter = new QSplitter(Qt::Vertical, this);
  splitter->addWidget(m_lossPlot);
  splitter->addWidget(m_accuracyPlot);
  splitter->addWidget(m_log);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 3);
  splitter->setStretchFactor(2, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(controls);
  layout->addWidget(splitter, 1);

  m_redraw = new QTimer(this);
  m_redraw->setInterval(kRedrawMs);
  connect(m_redraw, &QTimer::timeout, this, [this] {
    if (!m_dirty) return;
    m_dirty = false;
    for (RunCurves& run : m_runs)
      for (Series* series : {&run.loss, &run.trainAccuracy, &run.evalAccuracy})
        if (series->stale) draw(*series);
    for (QCustomPlot* plot : {m_lossPlot, m_accuracyPlot}) {
      plot->rescaleAxes();
      plot->replot(QCustomPlot::rpQueuedReplot);
    }
  });
  m_redraw->start();
  const auto showSmoothing = [this] {
    m_smoothingValue->setText(QString::number(smoothing(), 'f', 2));
    for (RunCurves& run : m_runs)
      for (Series* series : {&run.loss, &run.trainAccuracy, &run.evalAccuracy}) resmooth(*series);
    redrawSoon();
  };
  connect(m_smoothing, &QSlider::valueChanged, this, showSmoothing);
  showSmoothing();
}

double MonitorPanel::smoothing() const { return m_smoothing->value() / 100.0; }

MonitorPanel::Series MonitorPanel::makeSeries(QCustomPlot* plot, const QColor& colour,
                                              const QString& name) {
  Series series;
  QColor faint = colour;
  faint.setAlpha(60);
  series.rawGraph = plot->addGraph();
  series.rawGraph->setPen(QPen(faint));
  series.rawGraph->removeFromLegend();
  series.smoothGraph = plot->addGraph();
  series.smoothGraph->setPen(QPen(colour, 2));
  series.smoothGraph->setName(name);
  return series;
}

void MonitorPanel::addRun(qint64 runId, const QString& label) {
  if (m_runs.contains(runId)) return;
  const QColor colour = kRunColours[m_runs.size() % std::size(kRunColours)];
  RunCurves run;
  run.loss = makeSeries(m_lossPlot, colour, label);
  run.trainAccuracy = makeSeries(m_accuracyPlot, colour, label + tr(" (train)"));
  QColor evalColour = colour.darker(140);
  run.evalAccuracy = makeSeries(m_accuracyPlot, evalColour, label + tr(" (test)"));
  run.evalAccuracy.smoothGraph->setScatterStyle(QCPScatterStyle(QCPScatterStyle::ssCircle, 6));
  m_runs.insert(runId, run);
}

void MonitorPanel::append(Series& series, double step, double value) {
  series.steps.append(step);
  series.raw.append(value);
  // The newest smoothed point follows from the running average; the curve is not redone.
  const double alpha = smoothing();
  series.average = alpha * series.average + (1 - alpha) * value;
  series.smooth.append(alpha > 0 ? series.average / (1 - std::pow(alpha, series.raw.size())) : value);
  if (series.raw.size() <= kDirectPoints) {
    series.rawGraph->addData(step, value);
    series.smoothGraph->addData(step, series.smooth.back());
  } else {
    series.stale = true;
  }
  redrawSoon();
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
  if (series.raw.size() <= kDirectPoints) {
    series.rawGraph->setData(series.steps, series.raw, true);
    series.smoothGraph->setData(series.steps, series.smooth, true);
    return;
  }
  // A few points per pixel column keep every peak; antialiasing them would cost more than it
  // shows.
  series.rawGraph->setAntialiased(false);
  series.smoothGraph->setAntialiased(false);
  const int buckets = std::max(256, series.smoothGraph->keyAxis()->axisRect()->width());
  QVector<double> x, y;
  reduceCurve(series.steps, series.raw, buckets, x, y);
  series.rawGraph->setData(x, y, true);
  reduceCurve(series.steps, series.smooth, buckets, x, y);
  series.smoothGraph->setData(x, y, true);
}

void MonitorPanel::redrawSoon() { m_dirty = true; }

void MonitorPanel::addEvent(qint64 runId, const QString& type, const QByteArray& json) {
  const auto found = m_runs.find(runId);
  if (found == m_runs.end()) return;
  const QJsonObject e = QJsonDocument::fromJson(json).object();
  const double step = e.value("step").toDouble();
  if (type == "step") {
    append(found->loss, step, e.value("loss").toDouble());
    append(found->trainAccuracy, step, e.value("accuracy").toDouble());
  } else if (type == "eval") {
    append(found->evalAccuracy, step, e.value("accuracy").toDouble());
    m_log->appendPlainText(tr("run %1, step %2: test accuracy %3, loss %4")
                               .arg(runId)
                               .arg(step)
                               .arg(e.value("accuracy").toDouble(), 0, 'f', 4)
                               .arg(e.value("loss").toDouble(), 0, 'f', 4));
  } else if (type == "log") {
    m_log->appendPlainText(tr("run %1: %2").arg(runId).arg(e.value("message").toString()));
  } else if (type == "state") {
    QString line = tr("run %1: %2").arg(runId).arg(e.value("state").toString());
    if (e.contains("reason")) line += " — " + e.value("reason").toString();
    if (e.contains("test_accuracy"))
      line += tr(" (test accuracy %1)").arg(e.value("test_accuracy").toDouble(), 0, 'f', 4);
    m_log->appendPlainText(line);
  }
}

void MonitorPanel::loadLossCurve(qint64 runId, const QVector<double>& steps,
                                 const QVector<double>& values) {
  const auto found = m_runs.find(runId);
  if (found == m_runs.end()) return;
  Series& loss = found->loss;
  loss.steps = steps;
  loss.raw = values;
  resmooth(loss);
  redrawSoon();
}

int MonitorPanel::pointCount(qint64 runId) const {
  const auto found = m_runs.find(runId);
  return found == m_runs.end() ? 0 : static_cast<int>(found->loss.raw.size());
}

}  // namespace ui
}  // namespace twb
