#pragma once

#include <QColor>
#include <QJsonArray>
#include <QPalette>
#include <QSharedPointer>
#include <QString>

class QCPAxisTickerText;
class QCustomPlot;

namespace twb {
namespace ui {

// What every chart of the workbench shares: one colour per run (the same run, the same colour
// in every tab), the palette, and saving.

// The colour of the `index`-th run shown (cycles after six).
QColor runColour(int index);

// Colours `chart` from `palette`: background, axes, grid, labels and legend.
void applyPalette(QCustomPlot* chart, const QPalette& palette);

// Colours `chart` from its palette now and whenever the palette changes (light / dark).
void followPalette(QCustomPlot* chart);

// Writes `chart` to `path` as PNG, SVG or PDF, by the file's suffix; false when it cannot.
bool saveChart(QCustomPlot* chart, const QString& path);

// Asks where, then saves `chart` (PNG, SVG or PDF); says so when it cannot.
void saveChartAs(QCustomPlot* chart);

// Ticks naming classes 0 .. count-1, by `names` where it has one per class and by number
// otherwise; past kNamedClasses classes only every k-th is named, so the names stay readable.
inline constexpr qsizetype kNamedClasses = 30;
QSharedPointer<QCPAxisTickerText> classTicker(const QJsonArray& names, qsizetype count);

// A context menu on `chart` with "Save chart as…".
void offerSaving(QCustomPlot* chart);

}  // namespace ui
}  // namespace twb
