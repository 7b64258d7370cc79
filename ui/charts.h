#pragma once

#include <QColor>
#include <QPalette>
#include <QString>

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

// A context menu on `chart` with "Save chart as…".
void offerSaving(QCustomPlot* chart);

}  // namespace ui
}  // namespace twb
