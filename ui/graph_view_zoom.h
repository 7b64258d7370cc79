#pragma once

class QGraphicsView;
class QRectF;
class QWheelEvent;

namespace twb::ui {

// Zoom habits the graph views share (the run graph and the designer's canvas).

// Shows `rect` whole, but never larger than its natural size, and never below half size: a deep
// model fitted whole would be unreadable, so it is shown at half size from its top instead.
void fitGraph(QGraphicsView& view, const QRectF& rect);
// Zooms by the wheel's turn, around the pointer (the view's transformation anchor).
void zoomByWheel(QGraphicsView& view, QWheelEvent& event);

}  // namespace twb::ui
