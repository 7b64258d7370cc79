#include "ui/graph_view_zoom.h"

#include <QGraphicsView>
#include <QWheelEvent>
#include <cmath>

namespace twb::ui {

namespace {
constexpr double kSmallest = 0.5;    // of the natural size, when fitting
constexpr double kWheelStep = 1.15;  // per notch
}  // namespace

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
