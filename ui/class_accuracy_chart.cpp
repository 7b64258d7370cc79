#include "ui/class_accuracy_chart.h"

#include <qcustomplot.h>

#include <QJsonArray>
#include <QObject>

#include "ui/charts.h"

namespace twb {
namespace ui {

void drawClassAccuracy(QCustomPlot* chart, const QList<ClassAccuracy>& runs) {
  // The first run's names label the axis if every run has the same ones.
  const QJsonArray names =
      runs.isEmpty() ? QJsonArray() : runs.front().perClass.value("names").toArray();
  qsizetype classes = 0;
  bool sameNames = true;
  for (const ClassAccuracy& run : runs) {
    classes = std::max(classes, run.perClass.value("samples").toArray().size());
    sameNames = sameNames && run.perClass.value("names").toArray() == names;
  }
  chart->xAxis->setTicker(classTicker(sameNames ? names : QJsonArray(), classes));
  chart->xAxis->setTickLabelRotation(classes > 6 ? 30 : 0);
  chart->xAxis->setLabel(QObject::tr("class"));
  // The runs' bars side by side within 80 % of a class's width.
  const double width = 0.8 / std::max<qsizetype>(1, runs.size());
  for (qsizetype r = 0; r < runs.size(); ++r) {
    const QJsonArray correct = runs[r].perClass.value("correct").toArray(),
                     samples = runs[r].perClass.value("samples").toArray();
    auto* bars = new QCPBars(chart->xAxis, chart->yAxis);
    bars->setName(runs[r].run);
    bars->setPen(QPen(runs[r].colour));
    bars->setBrush(runs[r].colour.lighter(130));
    bars->setWidth(width);
    const double offset =
        (static_cast<double>(r) - (static_cast<double>(runs.size()) - 1) / 2) * width;
    for (qsizetype c = 0; c < std::min(correct.size(), samples.size()); ++c)
      if (samples[c].toDouble() > 0)
        bars->addData(static_cast<double>(c) + offset,
                      100 * correct[c].toDouble() / samples[c].toDouble());
  }
  chart->xAxis->setRange(-0.6, static_cast<double>(classes) - 0.4);
  // The legend in one row above the bars (a class at 100 % reaches the top of the 0-100 ticks).
  chart->legend->setFillOrder(QCPLayoutGrid::foColumnsFirst);
  chart->axisRect()->insetLayout()->setInsetAlignment(0, Qt::AlignHCenter | Qt::AlignTop);
  chart->yAxis->setRange(0, 118);
}

}  // namespace ui
}  // namespace twb
