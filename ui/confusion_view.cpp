#include "ui/confusion_view.h"

#include <qcustomplot.h>

#include <QComboBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QToolTip>
#include <QVBoxLayout>
#include <cmath>

#include "ui/charts.h"

namespace twb {
namespace ui {

namespace {

// Cells are written in up to this many classes; beyond, colour alone reads better.
constexpr int kWrittenClasses = 20;

// Each cell as a share of its row (the label's samples), in percent; empty without a matrix.
QVector<QVector<double>> rowShares(const QJsonObject& perClass) {
  QVector<QVector<double>> shares;
  for (const QJsonValue& row : perClass.value("confusion").toArray()) {
    const QJsonArray counts = row.toArray();
    double samples = 0;
    for (const QJsonValue& count : counts) samples += count.toDouble();
    QVector<double> share;
    for (const QJsonValue& count : counts)
      share << (samples > 0 ? 100 * count.toDouble() / samples : 0);
    shares << share;
  }
  return shares;
}

QCPColorGradient sharesGradient() {
  QCPColorGradient gradient;
  gradient.setColorStopAt(0, QColor(255, 255, 255));
  gradient.setColorStopAt(0.05, QColor(198, 219, 239));  // a few percent already shows
  gradient.setColorStopAt(0.3, QColor(66, 146, 198));
  gradient.setColorStopAt(1, QColor(8, 48, 107));
  return gradient;
}

QCPColorGradient harmGradient() {
  QCPColorGradient gradient;
  gradient.setColorStopAt(0, QColor(33, 102, 172));  // better than the other run
  gradient.setColorStopAt(0.5, QColor(255, 255, 255));
  gradient.setColorStopAt(1, QColor(178, 24, 43));  // worse
  return gradient;
}

}  // namespace

ConfusionView::ConfusionView(QWidget* parent) : QWidget(parent) {
  m_run = new QComboBox(this);
  m_run->setObjectName("confusionRun");
  m_against = new QComboBox(this);
  m_against->setObjectName("confusionAgainst");
  m_note = new QLabel(this);
  m_note->setObjectName("confusionNote");
  m_note->setWordWrap(true);
  m_chart = new QCustomPlot(this);
  m_chart->setObjectName("confusionChart");
  m_chart->setMinimumHeight(200);
  followPalette(m_chart);
  offerSaving(m_chart);
  for (QCPAxis* axis : {m_chart->xAxis, m_chart->yAxis}) {
    axis->grid()->setVisible(false);  // the cells' edges are the grid
    axis->setSubTicks(false);
  }
  m_chart->yAxis->setRangeReversed(true);  // the first class on top, as a table reads
  // Room on the right for the last class's turned name, which is left out when it would not fit.
  m_chart->axisRect()->setMinimumMargins(QMargins(0, 0, 70, 0));
  m_chart->xAxis->setLabel(tr("the model's answer"));
  m_chart->yAxis->setLabel(tr("the sample's label"));
  // The cell under the mouse, in words: which label, taken for what, how often.
  connect(m_chart, &QCustomPlot::mouseMove, this, [this](QMouseEvent* event) {
    const int answer =
        static_cast<int>(std::lround(m_chart->xAxis->pixelToCoord(event->position().x())));
    const int label =
        static_cast<int>(std::lround(m_chart->yAxis->pixelToCoord(event->position().y())));
    const QString text = describeCell(label, answer);
    if (text.isEmpty())
      QToolTip::hideText();
    else
      QToolTip::showText(event->globalPosition().toPoint(), text, m_chart);
  });
  connect(m_run, &QComboBox::currentIndexChanged, this, &ConfusionView::draw);
  connect(m_against, &QComboBox::currentIndexChanged, this, &ConfusionView::draw);

  auto* top = new QHBoxLayout;
  top->addWidget(new QLabel(tr("Run"), this));
  top->addWidget(m_run, 1);
  top->addWidget(new QLabel(tr("Against"), this));
  top->addWidget(m_against, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(top);
  layout->addWidget(m_note);
  layout->addWidget(m_chart, 1);
}

void ConfusionView::setRuns(const QList<Source>& runs) {
  m_runs = runs;
  const qint64 chosen = run(), chosenAgainst = against();
  {
    const QSignalBlocker blockRun(m_run), blockAgainst(m_against);
    m_run->clear();
    m_against->clear();
    m_against->addItem(tr("nothing: shares of each label"), 0);
    for (const Source& source : runs) {
      m_run->addItem(source.name, source.id);
      m_against->addItem(source.name, source.id);
    }
  }
  const bool kept = m_run->findData(chosen) >= 0;
  choose(kept ? chosen : (runs.isEmpty() ? 0 : runs.back().id), chosenAgainst);
}

void ConfusionView::choose(qint64 runId, qint64 againstId) {
  const QSignalBlocker blockRun(m_run), blockAgainst(m_against);
  m_run->setCurrentIndex(m_run->findData(runId));
  m_against->setCurrentIndex(std::max(0, m_against->findData(againstId)));
  draw();
}

qint64 ConfusionView::run() const { return m_run->currentData().toLongLong(); }

qint64 ConfusionView::against() const { return m_against->currentData().toLongLong(); }

QString ConfusionView::note() const { return m_note->isVisible() ? m_note->text() : QString(); }

ConfusionView::Source ConfusionView::source(qint64 id) const {
  for (const Source& s : m_runs)
    if (s.id == id) return s;
  return {};
}

QString ConfusionView::describeCell(int label, int answer) const {
  // The shares drawn last: the tooltip asks at every mouse move.
  const Source run = source(this->run()), other = source(against());
  const QVector<QVector<double>>&shares = m_shares, &otherShares = m_otherShares;
  const QJsonArray counts = run.perClass.value("confusion").toArray(),
                   names = run.perClass.value("names").toArray();
  if (label < 0 || answer < 0 || label >= shares.size() || answer >= shares[label].size())
    return {};
  const auto name = [&](int c) {
    return c < names.size() ? names[c].toString() : QString::number(c);
  };
  qint64 samples = 0;
  for (const QJsonValue& count : counts[label].toArray()) samples += count.toInteger();
  QString text = (label == answer ? tr("%1 answered %2") : tr("%1 taken for %2"))
                     .arg(name(label), name(answer));
  text += tr(": %1 of %2 (%3 %)")
              .arg(counts[label].toArray()[answer].toInteger())
              .arg(samples)
              .arg(shares[label][answer], 0, 'f', 2);
  if (label < otherShares.size() && answer < otherShares[label].size())
    text += "\n" + tr("%1: %2 % (%3 points)")
                       .arg(other.name)
                       .arg(otherShares[label][answer], 0, 'f', 2)
                       .arg(QString::asprintf("%+.2f",
                                              shares[label][answer] - otherShares[label][answer]));
  return text;
}

void ConfusionView::draw() {
  m_chart->clearPlottables();
  m_chart->clearItems();
  const Source run = source(this->run());
  const qint64 againstId = against();
  const Source against = source(againstId);
  m_shares = rowShares(run.perClass);
  m_otherShares = againstId != 0 ? rowShares(against.perClass) : QVector<QVector<double>>();
  const QVector<QVector<double>>&shares = m_shares, &otherShares = m_otherShares;
  const auto n = static_cast<int>(shares.size());
  QString problem;
  if (m_runs.isEmpty())
    problem = tr("No run of this project has been evaluated yet.");
  else if (n == 0)
    problem = tr("%1 has no confusion matrix: it has more than 100 classes, or it was evaluated "
                 "by an older engine.")
                  .arg(run.name);
  else if (againstId != 0 && otherShares.size() != n)
    problem = tr("%1 has %2 classes, %3 has %4: their matrices do not compare.")
                  .arg(run.name)
                  .arg(n)
                  .arg(against.name)
                  .arg(otherShares.size());
  m_note->setText(problem);
  m_note->setVisible(!problem.isEmpty());
  if (!problem.isEmpty()) {
    m_shares.clear();  // nothing drawn: no cell to describe
    m_otherShares.clear();
    m_chart->replot();
    return;
  }

  const bool change = againstId != 0;
  auto* map = new QCPColorMap(m_chart->xAxis, m_chart->yAxis);
  map->data()->setSize(n, n);
  map->data()->setRange(QCPRange(0, n - 1), QCPRange(0, n - 1));
  map->setInterpolate(false);
  double largest = 0.5;  // points: a change smaller than this stays pale
  const QJsonArray counts = run.perClass.value("confusion").toArray();
  for (int label = 0; label < n; ++label)
    for (int answer = 0; answer < n; ++answer) {
      const double share = shares[label].value(answer);
      double value = share;
      QString text = QString::number(counts[label].toArray()[answer].toInteger());
      if (change) {
        const double delta = share - otherShares[label].value(answer);
        value = label == answer ? -delta : delta;  // positive: worse
        largest = std::max(largest, std::abs(value));
        text = std::abs(delta) < 0.05 ? QString() : QString::asprintf("%+.1f", delta);
      }
      map->data()->setCell(answer, label, value);
      if (n > kWrittenClasses || text.isEmpty()) continue;
      auto* written = new QCPItemText(m_chart);
      written->position->setCoords(answer, label);
      written->setText(text);
      const double depth = change ? std::abs(value) / largest : share / 100;
      written->setColor(depth > 0.45 ? Qt::white : Qt::black);
    }
  map->setGradient(change ? harmGradient() : sharesGradient());
  map->setDataRange(change ? QCPRange(-largest, largest) : QCPRange(0, 100));
  map->setName(change ? tr("%1 against %2").arg(run.name, against.name) : run.name);

  // Classes by name where the run names them, by number otherwise.
  const QJsonArray names = run.perClass.value("names").toArray();
  const auto ticker = classTicker(names, n);
  for (QCPAxis* axis : {m_chart->xAxis, m_chart->yAxis}) {
    axis->setTicker(ticker);
    axis->setRange(-0.5, n - 0.5);
  }
  m_chart->xAxis->setTickLabelRotation(n > 6 ? 30 : 0);
  m_chart->xAxis->setLabel(
      change ? tr("the model's answer — change in points against %1 (red: worse)").arg(against.name)
             : tr("the model's answer — colour: share of the label's samples"));
  m_chart->replot();
}

}  // namespace ui
}  // namespace twb
