#include "ui/graph_drawing.h"

#include <QFontMetricsF>
#include <QGraphicsView>
#include <QPainter>
#include <QWheelEvent>
#include <cmath>

namespace twb::ui {

namespace {
constexpr double kPadding = 6;
constexpr double kSmallest = 0.5;    // of the natural size, when fitting
constexpr double kWheelStep = 1.15;  // per notch

QFont boldOf(const QFont& font) {
  QFont bold(font);
  bold.setBold(true);
  return bold;
}
}  // namespace

QSizeF boxTextSize(const QStringList& lines, const QFont& font, double minWidth) {
  const QFontMetricsF bold(boldOf(font)), plain(font);
  double width = minWidth, height = 0;
  for (int i = 0; i < lines.size(); ++i) {
    width = std::max(width, (i ? plain : bold).horizontalAdvance(lines[i]));
    height += (i ? plain : bold).height();
  }
  return QSizeF(width + 2 * kPadding, height + 2 * kPadding);
}

void paintBoxText(QPainter& painter, const QStringList& lines, const QFont& font, double width) {
  const QFont bold = boldOf(font);
  double y = kPadding;
  for (int i = 0; i < lines.size(); ++i) {
    const double height = QFontMetricsF(i ? font : bold).height();
    painter.setFont(i ? font : bold);
    painter.drawText(QRectF(0, y, width, height), Qt::AlignCenter, lines[i]);
    y += height;
  }
}

void fitGraph(QGraphicsView& view, const QRectF& rect) {
  view.fitInView(rect, Qt::KeepAspectRatio);
  if (view.transform().m11() > 1) {
    view.resetTransform();
    view.centerOn(rect.center());
  } else if (view.transform().m11() < kSmallest) {
    view.resetTransform();
    view.scale(kSmallest, kSmallest);
    view.centerOn(rect.center().x(), rect.top());
  }
}

void zoomByWheel(QGraphicsView& view, QWheelEvent& event) {
  const double factor = std::pow(kWheelStep, event.angleDelta().y() / 120.0);
  view.scale(factor, factor);
  event.accept();
}

}  // namespace twb::ui
