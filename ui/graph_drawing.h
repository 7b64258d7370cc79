#pragma once

#include <QSizeF>
#include <QStringList>

class QFont;
class QGraphicsView;
class QPainter;
class QRectF;
class QWheelEvent;

namespace twb::ui {

// What the two graph views (the run graph and the designer's canvas) draw and do alike.

// A box's text: its first line (the op) in bold, the others (name, shape) plain, centred, with a
// padding around them. The size a box needs for `lines`, at least `minWidth` wide:
QSizeF boxTextSize(const QStringList& lines, const QFont& font, double minWidth = 0);
// ... and the lines drawn into a box `width` wide whose top-left is the painter's origin.
void paintBoxText(QPainter& painter, const QStringList& lines, const QFont& font, double width);

// Shows `rect` whole, but never larger than its natural size, and never below half size: a deep
// model fitted whole would be unreadable, so it is shown at half size from its top instead.
void fitGraph(QGraphicsView& view, const QRectF& rect);
// Zooms by the wheel's turn, around the pointer (the view's transformation anchor).
void zoomByWheel(QGraphicsView& view, QWheelEvent& event);

}  // namespace twb::ui
