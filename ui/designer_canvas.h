#pragma once

#include <QGraphicsView>
#include <QPainterPath>

#include "app/model_document.h"

class QGraphicsLineItem;

namespace twb::ui {

class DesignBox;
class DesignEdge;
class BlockFrame;

// The designer's canvas: the document's inputs and nodes as boxes (op, name, the output shape
// the engine inferred, an input port on top and an output port below) and its edges. Dragging a
// box moves it; dragging from a box's output port onto another box connects them; Delete removes
// the selected boxes and edges; Ctrl+C / X / V copy, cut and paste boxes with the edges between
// them, Ctrl+A selects all; an op dropped from the palette becomes a node there. The box the
// engine's message names is outlined in red with the message as its tooltip. Every change goes
// through the document, so it can be undone.
class DesignerCanvas : public QGraphicsView {
  Q_OBJECT

 public:
  static constexpr const char* kOpMimeType = "application/x-twb-op";
  static constexpr const char* kNodesMimeType = "application/x-twb-nodes";  // copied boxes

  DesignerCanvas(app::ModelDocument& document, QWidget* parent = nullptr);
  ~DesignerCanvas() override;  // before the scene deletes selected items, which would signal

  void fit();  // the whole model in view (ui/graph_drawing.h)
  QStringList selectedBoxes() const;
  void selectBoxes(const QStringList& names);
  // Where a box and its ports are, in viewport coordinates (what a pointer presses); for tests.
  QPoint outputPortOf(const QString& box) const;
  QPoint centreOf(const QString& box) const;
  bool isMarkedWrong(const QString& box) const;
  QSizeF boxSize(const QString& box) const;
  QStringList textOf(const QString& box) const;  // its lines: op, name, shape, cost
  QString edgeLabel(const QString& from, const QString& to) const;  // the shape it carries
  // An edge's line and a box's outline, in scene coordinates.
  QPainterPath edgePath(const QString& from, const QString& to) const;
  QRectF boxRect(const QString& box) const;
  // Named blocks: an open one is a frame around its boxes (double-click its name to collapse
  // it), a collapsed one a single box (double-click to open it; app::ModelDocument::
  // setCollapsed). A box of a collapsed block is drawn as the block.
  QRectF frameOf(const QString& block) const;  // an open block's frame, scene coordinates
  // `at`, or the first place to its right where a box of `size` overlaps none.
  QPointF freeSpotNear(QPointF at, QSizeF size) const;

 signals:
  void selectionChanged();
  void status(const QString& message);  // why a connection was refused

 protected:
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void mouseDoubleClickEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dragMoveEvent(QDragMoveEvent* event) override;
  void dropEvent(QDropEvent* event) override;

 private:
  void redraw();
  void routeEdges();
  DesignBox* boxAt(const QPointF& scenePoint) const;
  DesignBox* drawnBox(const QString& box) const;  // its own, or its collapsed block's
  QString exitOf(const QString& block) const;     // the node read outside it, else its last
  QString nodeOfBox(const DesignBox* box, bool asSource) const;

  app::ModelDocument& m_document;
  QHash<QString, DesignBox*> m_boxes;
  QVector<DesignEdge*> m_edges;
  QVector<BlockFrame*> m_frames;
  QHash<QString, QString> m_drawnAs;  // a node of a collapsed block -> the block
  QString m_linkFrom;                 // a connection being dragged from this box's output
  QGraphicsLineItem* m_link = nullptr;
  bool m_redrawing = false;
};

}  // namespace twb::ui
