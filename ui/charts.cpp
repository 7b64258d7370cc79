#include "ui/charts.h"

#include <qcustomplot.h>

#include <QCoreApplication>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QSvgGenerator>
#include <algorithm>
#include <iterator>

namespace twb {
namespace ui {

namespace {
// Re-colours its chart when the chart's palette changes.
class PaletteFollower : public QObject {
 public:
  explicit PaletteFollower(QCustomPlot* chart) : QObject(chart), m_chart(chart) {}
  bool eventFilter(QObject*, QEvent* event) override {
    if (event->type() == QEvent::PaletteChange) applyPalette(m_chart, m_chart->palette());
    return false;
  }

 private:
  QCustomPlot* m_chart;
};
}  // namespace

QColor runColour(int index) {
  static const QColor kColours[] = {QColor(31, 119, 180),  QColor(255, 127, 14),
                                    QColor(44, 160, 44),   QColor(214, 39, 40),
                                    QColor(148, 103, 189), QColor(140, 86, 75)};
  return kColours[index % std::size(kColours)];
}

void applyPalette(QCustomPlot* chart, const QPalette& palette) {
  const QColor text = palette.color(QPalette::Text), grid = palette.color(QPalette::Mid);
  chart->setBackground(palette.brush(QPalette::Base));
  for (QCPAxis* axis : chart->axisRect()->axes()) {
    axis->setBasePen(QPen(text));
    axis->setTickPen(QPen(text));
    axis->setSubTickPen(QPen(text));
    axis->setLabelColor(text);
    axis->setTickLabelColor(text);
    axis->grid()->setPen(QPen(grid, 0, Qt::DotLine));
  }
  chart->legend->setBrush(palette.brush(QPalette::Base));
  chart->legend->setTextColor(text);
  chart->legend->setBorderPen(QPen(grid));
  chart->replot(QCustomPlot::rpQueuedReplot);
}

void followPalette(QCustomPlot* chart) {
  applyPalette(chart, chart->palette());
  chart->installEventFilter(new PaletteFollower(chart));
}

bool saveChart(QCustomPlot* chart, const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == "png") return chart->savePng(path);
  if (suffix == "pdf") return chart->savePdf(path);
  if (suffix != "svg") return false;
  QSvgGenerator svg;
  svg.setFileName(path);
  svg.setSize(chart->size());
  svg.setViewBox(chart->rect());
  QCPPainter painter;
  if (!painter.begin(&svg)) return false;
  chart->toPainter(&painter, chart->width(), chart->height());
  return painter.end();
}

void saveChartAs(QCustomPlot* chart) {
  const QString path = QFileDialog::getSaveFileName(
      chart, QCoreApplication::translate("Charts", "Save chart"), chart->objectName() + ".png",
      QCoreApplication::translate("Charts",
                                  "PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)"));
  if (!path.isEmpty() && !saveChart(chart, path))
    QMessageBox::warning(chart, QCoreApplication::translate("Charts", "Save chart"),
                         QCoreApplication::translate("Charts", "Cannot write %1").arg(path));
}

void offerSaving(QCustomPlot* chart) {
  chart->setContextMenuPolicy(Qt::CustomContextMenu);
  QObject::connect(chart, &QWidget::customContextMenuRequested, chart, [chart](const QPoint& at) {
    QMenu menu(chart);
    menu.addAction(QCoreApplication::translate("Charts", "Save chart as…"), chart,
                   [chart] { saveChartAs(chart); });
    menu.exec(chart->mapToGlobal(at));
  });
}

QSharedPointer<QCPAxisTickerText> classTicker(const QJsonArray& names, qsizetype count) {
  auto ticker = QSharedPointer<QCPAxisTickerText>::create();
  const qsizetype every = (count + kNamedClasses - 1) / kNamedClasses;
  for (qsizetype c = 0; c < count; c += std::max<qsizetype>(1, every))
    ticker->addTick(static_cast<double>(c),
                    names.size() == count ? names[c].toString() : QString::number(c));
  return ticker;
}

}  // namespace ui
}  // namespace twb
