#pragma once

#include <QColor>
#include <QJsonObject>
#include <QList>
#include <QString>

class QCustomPlot;

namespace twb {
namespace ui {

// One run's test accuracy by class: the `per_class` object of its last eval event.
struct ClassAccuracy {
  QString run;
  QColor colour;
  QJsonObject perClass;  // {"correct": [...], "samples": [...], "names": [...]}
};

// Draws one group of bars per class, one bar per run, in percent, so a precision or a setting
// that costs one class more than the others shows. Classes are named on the axis when the runs
// name them alike, numbered otherwise.
void drawClassAccuracy(QCustomPlot* chart, const QList<ClassAccuracy>& runs);

}  // namespace ui
}  // namespace twb
