#include "ui/designer_canvas.h"

#include <QClipboard>
#include <QDragEnterEvent>
#include <QFontMetricsF>
#include <QGraphicsItem>
#include <QGraphicsLineItem>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGuiApplication>
#include <QJsonDocument>
#include <QKeyEvent>
#include <QLocale>
#include <QMimeData>
#include <QPainter>
#include <QPainterPath>
#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <vector>

#include "ui/graph_drawing.h"

namespace twb::ui {

namespace {
constexpr double kMinWidth = 90, kCorner = 5, kPort = 5, kPortGrab = 9;
}  // namespace

// One input, node or collapsed block: op (or "Block") in bold, name, inferred output shape;
// ports above and below.
class DesignBox : public QGraphicsItem {
 public:
  enum class Kind { input, node, block };

  DesignBox(QString name, const QStringList& lines, const QFont& font, Kind kind,
            std::function<void()> moved)
      : m_name(std::move(name)),
        m_lines(lines),
        m_font(font),
        m_size(boxTextSize(lines, font, kMinWidth)),
        m_kind(kind),
        m_moved(std::move(moved)) {
    setFlags(ItemIsMovable | ItemIsSelectable | ItemSendsGeometryChanges);
  }

  const QString& name() const { return m_name; }
  bool isBlock() const { return m_kind == Kind::block; }
  const QStringList& lines() const { return m_lines; }
  QSizeF size() const { return m_size; }
  QPointF outputPort() const { return pos() + QPointF(m_size.width() / 2, m_size.height()); }
  QPointF inputPort() const { return pos() + QPointF(m_size.width() / 2, 0); }
  void markWrong(const QString& message) {
    m_wrong = true;
    setToolTip(message);
  }
  bool isWrong() const { return m_wrong; }

  QRectF boundingRect() const override {
    return QRectF(QPointF(0, 0), m_size).adjusted(-4, -kPort - 2, 4, kPort + 2);
  }
  void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
    const QRectF box(QPointF(0, 0), m_size);
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setBrush(m_kind == Kind::input   ? QColor("#ffffff")
                      : m_kind == Kind::block ? QColor("#fdf3dc")
                                              : QColor("#eef3fb"));
    if (isSelected()) {  // a halo, so that a wrong box keeps its red outline
      painter->setPen(QPen(QColor("#1a73e8"), 3));
      painter->drawRoundedRect(box.adjusted(-2, -2, 2, 2), kCorner + 2, kCorner + 2);
    }
    painter->setPen(m_wrong ? QPen(QColor("#d93025"), 3) : QPen(QColor("#555555"), 1));
    painter->drawRoundedRect(box, kCorner, kCorner);
    if (m_kind == Kind::block)  // a stack of boxes: there is more inside
      painter->drawLine(box.bottomLeft() + QPointF(kCorner, 3),
                        box.bottomRight() + QPointF(-kCorner, 3));
    painter->setPen(Qt::black);
    paintBoxText(*painter, m_lines, m_font, m_size.width());
    painter->setPen(QPen(QColor("#555555"), 1));
    painter->setBrush(QColor("#1a73e8"));
    painter->drawEllipse(QPointF(m_size.width() / 2, m_size.height()), kPort, kPort);
    if (m_kind != Kind::input) {
      painter->setBrush(Qt::white);
      painter->drawEllipse(QPointF(m_size.width() / 2, 0), kPort, kPort);
    }
  }

 protected:
  QVariant itemChange(GraphicsItemChange change, const QVariant& value) override {
    if (change == ItemPositionHasChanged && m_moved) m_moved();
    return QGraphicsItem::itemChange(change, value);
  }

 private:
  QString m_name;
  QStringList m_lines;
  QFont m_font;
  QSizeF m_size;
  Kind m_kind;
  bool m_wrong = false;
  std::function<void()> m_moved;
};

// An edge from one box's output port to another's input port, labelled with the shape it
// carries; selectable, to delete it.
class DesignEdge : public QGraphicsPathItem {
 public:
  DesignEdge(DesignBox* from, DesignBox* to, const QString& shape, QFont font)
      : m_from(from), m_to(to), m_label(new QGraphicsSimpleTextItem(shape, this)) {
    setFlag(ItemIsSelectable);
    setZValue(-1);
    font.setPointSizeF(font.pointSizeF() * 0.8);
    m_label->setFont(font);
    m_label->setBrush(QColor("#666666"));
  }
  DesignBox* from() const { return m_from; }
  DesignBox* to() const { return m_to; }
  QString label() const { return m_label->text(); }
  void route() {
    const QPointF a = m_from->outputPort(), b = m_to->inputPort();
    QPainterPath path(a);
    constexpr double kTurn = 24;
    const QSizeF label = m_label->boundingRect().size();
    if (b.y() > a.y()) {
      const double bend = std::max(30.0, (b.y() - a.y()) / 2);
      path.cubicTo(a + QPointF(0, bend), b - QPointF(0, bend), b);
      m_label->setPos(path.pointAtPercent(0.5) + QPointF(6, -label.height() / 2));
    } else {
      // Up to a box beside or above (the next column of a long chain): a turn below the
      // source, up the gap between the columns, a turn over the target, instead of a curve
      // that loops over the target. The label goes over that turn, where nothing is drawn.
      const double gap = upwardGap(kTurn);
      path.cubicTo(a + QPointF(0, kTurn), QPointF(gap, a.y() + kTurn), QPointF(gap, a.y()));
      path.lineTo(gap, b.y());
      path.cubicTo(QPointF(gap, b.y() - kTurn), b - QPointF(0, kTurn), b);
      m_label->setPos((gap + b.x() - label.width()) / 2, b.y() - kTurn - label.height());
    }
    setPath(path);
    setPen(QPen(isSelected() ? QColor("#1a73e8") : QColor("#777777"), isSelected() ? 2.5 : 1.4));
  }
  // The x of the vertical run of an edge going up: the free x (no box beside the run's height
  // within `margin / 2`) nearest the middle between source and target, between their centres
  // (else the middle: boxes placed that close leave no free way); beside them when one is above
  // the other.
  double upwardGap(double margin) const {
    const QRectF from = m_from->sceneBoundingRect(), to = m_to->sceneBoundingRect();
    const bool rightward = to.left() > from.right(), leftward = to.right() < from.left();
    if (!rightward && !leftward) return std::max(from.right(), to.right()) + margin;
    const double ideal =
        rightward ? (from.right() + to.left()) / 2 : (to.right() + from.left()) / 2;
    const double low = std::min(from.center().x(), to.center().x()),
                 high = std::max(from.center().x(), to.center().x());
    const QRectF band(QPointF(low, to.top()), QPointF(high, from.bottom()));
    std::vector<std::pair<double, double>> taken;
    std::vector<double> candidates{ideal};
    for (QGraphicsItem* item : scene()->items(band)) {
      if (!dynamic_cast<const DesignBox*>(item)) continue;
      const QRectF r = item->sceneBoundingRect();
      taken.emplace_back(r.left() - margin / 2, r.right() + margin / 2);
      candidates.push_back(taken.back().first);
      candidates.push_back(taken.back().second);
    }
    const auto isFree = [&](double x) {
      return x >= low && x <= high &&
             std::none_of(taken.begin(), taken.end(),
                          [x](const auto& span) { return x > span.first && x < span.second; });
    };
    double best = ideal, distance = std::numeric_limits<double>::infinity();
    for (double x : candidates)
      if (isFree(x) && std::abs(x - ideal) < distance) best = x, distance = std::abs(x - ideal);
    return best;
  }
  QPainterPath shape() const override {  // easier to click than a hairline
    QPainterPathStroker stroker;
    stroker.setWidth(8);
    return stroker.createStroke(path());
  }

 private:
  DesignBox *m_from, *m_to;
  QGraphicsSimpleTextItem* m_label;
};

// An expanded block: a frame around its boxes with its name on top; double-clicking the name
// collapses it. It follows the boxes as they move, behind them, and takes no clicks.
class BlockFrame : public QGraphicsRectItem {
 public:
  BlockFrame(QString name, QList<DesignBox*> members, const QFont& font)
      : m_name(std::move(name)), m_members(std::move(members)), m_font(font) {
    setZValue(-2);
    setAcceptedMouseButtons(Qt::NoButton);
    setPen(QPen(QColor("#c58b00"), 1.2, Qt::DashLine));
    setBrush(QColor(253, 243, 220, 110));
    follow();
  }
  const QString& name() const { return m_name; }
  QRectF titleRect() const {
    const QRectF r = rect();
    return QRectF(r.topLeft(), QSizeF(r.width(), QFontMetricsF(m_font).height() + 6));
  }
  void follow() {
    QRectF around;
    for (const DesignBox* box : m_members) around |= QRectF(box->pos(), box->size());
    const double title = QFontMetricsF(m_font).height() + 6;
    setRect(around.adjusted(-14, -14 - title, 14, 14));
  }
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override {
    QGraphicsRectItem::paint(painter, option, widget);
    painter->setFont(m_font);
    painter->setPen(QColor("#8a6100"));
    painter->drawText(titleRect().adjusted(8, 0, -8, 0), Qt::AlignVCenter | Qt::AlignLeft,
                      QString::fromUtf8("\u25BE ") + m_name);
  }

 private:
  QString m_name;
  QList<DesignBox*> m_members;
  QFont m_font;
};

DesignerCanvas::DesignerCanvas(app::ModelDocument& document, QWidget* parent)
    : QGraphicsView(parent), m_document(document) {
  setObjectName("designerCanvas");
  setScene(new QGraphicsScene(this));
  setRenderHint(QPainter::Antialiasing);
  setDragMode(RubberBandDrag);
  setAcceptDrops(true);
  setTransformationAnchor(AnchorUnderMouse);
  connect(&m_document, &app::ModelDocument::changed, this, &DesignerCanvas::redraw);
  connect(scene(), &QGraphicsScene::selectionChanged, this, [this] {
    if (m_redrawing) return;
    for (DesignEdge* e : m_edges) e->route();  // selected edges are drawn thicker
    emit selectionChanged();
  });
  redraw();
}

DesignerCanvas::~DesignerCanvas() { scene()->disconnect(this); }

void DesignerCanvas::redraw() {
  const QStringList selected = selectedBoxes();
  m_redrawing = true;
  m_boxes.clear();
  m_edges.clear();
  m_frames.clear();
  m_drawnAs.clear();
  m_link = nullptr;
  scene()->clear();
  const app::ModelGraph& graph = m_document.graph();
  const QList<app::ModelDocument::Block> blocks = m_document.blocks();
  for (const app::ModelDocument::Block& block : blocks)
    if (m_document.isCollapsed(block.name))
      for (const QString& node : block.nodes) m_drawnAs.insert(node, block.name);
  const auto shapeOf = [&](const QString& node) {
    const int inferred = graph.indexOf(node);
    return inferred >= 0 ? app::batchedShapeText(graph.nodes[inferred].shape) : QString("?");
  };
  // What a box costs: its parameters and forward FLOPs per sample, the parts it has.
  const auto costOf = [&](const QStringList& nodes) {
    qint64 parameters = 0;
    double flops = 0;
    for (const QString& node : nodes)
      if (const int i = graph.indexOf(node); i >= 0)
        parameters += graph.nodes[i].parameters, flops += graph.nodes[i].flops;
    QStringList parts;
    if (parameters > 0) parts << tr("%1 params").arg(QLocale().toString(parameters));
    if (flops >= 1e9)
      parts << tr("%1 GFLOP").arg(flops / 1e9, 0, 'f', 2);
    else if (flops >= 1e6)
      parts << tr("%1 MFLOP").arg(flops / 1e6, 0, 'f', 2);
    else if (flops > 0)
      parts << tr("%1 kFLOP").arg(flops / 1e3, 0, 'f', 1);
    return parts.isEmpty() ? QStringList() : QStringList{parts.join(", ")};
  };
  const auto add = [&](const QString& name, const QStringList& lines, DesignBox::Kind kind,
                       QPointF at) {
    auto* box = new DesignBox(name, lines, font(), kind, [this] { routeEdges(); });
    box->setPos(at);
    scene()->addItem(box);
    m_boxes.insert(name, box);
    return box;
  };
  QHash<QString, QSizeF> sizes;
  for (const QString& name : m_document.boxes()) {
    if (m_drawnAs.contains(name)) continue;
    const bool input = m_document.isInput(name);
    const QString op = input ? QString("Input") : m_document.node(name).value("op").toString();
    DesignBox* box =
        add(name, QStringList{op, name, shapeOf(name)} + costOf({name}),
            input ? DesignBox::Kind::input : DesignBox::Kind::node, m_document.position(name));
    if (name == m_document.errorNode()) box->markWrong(graph.error);
    sizes.insert(name, box->size());
  }
  for (const app::ModelDocument::Block& block : blocks) {
    if (m_document.isCollapsed(block.name)) {
      DesignBox* box = add(
          block.name,
          QStringList{tr("Block"), block.name,
                      tr("%1 nodes, %2").arg(block.nodes.size()).arg(shapeOf(exitOf(block.name)))} +
              costOf(block.nodes),
          DesignBox::Kind::block, m_document.position(block.nodes.front()));
      if (block.nodes.contains(m_document.errorNode())) box->markWrong(graph.error);
      sizes.insert(block.name, box->size());  // laid out as one box
      continue;
    }
    QList<DesignBox*> members;
    for (const QString& node : block.nodes) members << m_boxes.value(node);
    members.removeAll(nullptr);
    auto* frame = new BlockFrame(block.name, members, font());
    scene()->addItem(frame);
    m_frames.append(frame);
  }
  m_document.setBoxSizes(sizes);
  QSet<std::pair<DesignBox*, DesignBox*>> drawn;  // a collapsed block's edges drawn once
  for (const QString& name : m_document.boxes())
    for (const QString& from : m_document.inputsOf(name)) {
      DesignBox* a = m_boxes.value(m_drawnAs.value(from, from));
      DesignBox* b = m_boxes.value(m_drawnAs.value(name, name));
      if (!a || !b || a == b || drawn.contains(std::pair{a, b})) continue;
      drawn.insert(std::pair{a, b});
      auto* edge = new DesignEdge(a, b, shapeOf(from), font());
      scene()->addItem(edge);
      edge->route();  // in the scene, to see the boxes it passes
      m_edges.append(edge);
    }
  for (const QString& name : selected)
    if (DesignBox* box = m_boxes.value(m_drawnAs.value(name, name))) box->setSelected(true);
  scene()->setSceneRect(scene()->itemsBoundingRect().adjusted(-200, -200, 200, 200));
  m_redrawing = false;
  emit selectionChanged();
}

void DesignerCanvas::routeEdges() {
  for (DesignEdge* e : m_edges) e->route();
  for (BlockFrame* f : m_frames) f->follow();
}

QString DesignerCanvas::exitOf(const QString& block) const {
  const QStringList members = m_document.nodesOf(block);
  for (const QString& node : m_document.boxes())
    if (!members.contains(node))
      for (const QString& read : m_document.inputsOf(node))
        if (members.contains(read)) return read;
  return members.isEmpty() ? QString() : members.back();
}

// The node a connection starts at or ends on when it is drawn from or to `box`: the box's own,
// or a collapsed block's output node (its exit) or first node (its entry).
QString DesignerCanvas::nodeOfBox(const DesignBox* box, bool asSource) const {
  if (!box->isBlock()) return box->name();
  return asSource ? exitOf(box->name()) : m_document.nodesOf(box->name()).value(0);
}

QRectF DesignerCanvas::frameOf(const QString& block) const {
  for (const BlockFrame* f : m_frames)
    if (f->name() == block) return f->rect();
  return {};
}

DesignBox* DesignerCanvas::drawnBox(const QString& box) const {
  return m_boxes.value(m_drawnAs.value(box, box));
}

QStringList DesignerCanvas::selectedBoxes() const {
  QStringList names;  // a selected collapsed block: every node in it
  for (const QString& name : m_document.boxes())
    if (const DesignBox* box = drawnBox(name); box && box->isSelected()) names << name;
  return names;
}

void DesignerCanvas::selectBoxes(const QStringList& names) {
  scene()->clearSelection();
  for (const QString& name : names)
    if (DesignBox* box = drawnBox(name)) box->setSelected(true);
}

QPoint DesignerCanvas::outputPortOf(const QString& box) const {
  const DesignBox* b = drawnBox(box);
  return b ? mapFromScene(b->outputPort()) : QPoint();
}

QPoint DesignerCanvas::centreOf(const QString& box) const {
  const DesignBox* b = drawnBox(box);
  return b ? mapFromScene(b->pos() + QPointF(b->size().width() / 2, b->size().height() / 2))
           : QPoint();
}

bool DesignerCanvas::isMarkedWrong(const QString& box) const {
  const DesignBox* b = drawnBox(box);
  return b && b->isWrong();
}

QStringList DesignerCanvas::textOf(const QString& box) const {
  const DesignBox* b = drawnBox(box);
  return b ? b->lines() : QStringList();
}

QString DesignerCanvas::edgeLabel(const QString& from, const QString& to) const {
  for (const DesignEdge* e : m_edges)
    if (e->from() == drawnBox(from) && e->to() == drawnBox(to)) return e->label();
  return {};
}

QPainterPath DesignerCanvas::edgePath(const QString& from, const QString& to) const {
  for (const DesignEdge* e : m_edges)
    if (e->from() == drawnBox(from) && e->to() == drawnBox(to)) return e->mapToScene(e->path());
  return {};
}

QRectF DesignerCanvas::boxRect(const QString& box) const {
  const DesignBox* b = drawnBox(box);
  return b ? b->sceneBoundingRect() : QRectF();
}

QSizeF DesignerCanvas::boxSize(const QString& box) const {
  const DesignBox* b = drawnBox(box);
  return b ? b->size() : QSizeF();
}

QPointF DesignerCanvas::freeSpotNear(QPointF at, QSizeF size) const {
  const auto taken = [&](const QRectF& spot) {
    for (const DesignBox* box : m_boxes)
      if (QRectF(box->pos(), box->size()).adjusted(-12, -12, 12, 12).intersects(spot)) return true;
    return false;
  };
  while (taken(QRectF(at, size))) at.rx() += 24;
  return at;
}

DesignBox* DesignerCanvas::boxAt(const QPointF& scenePoint) const {
  for (QGraphicsItem* item : scene()->items(scenePoint))
    if (auto* box = dynamic_cast<DesignBox*>(item)) return box;
  return nullptr;
}

void DesignerCanvas::mousePressEvent(QMouseEvent* event) {
  const QPointF at = mapToScene(event->position().toPoint());
  if (event->button() == Qt::LeftButton)
    for (DesignBox* box : std::as_const(m_boxes))
      if (QLineF(box->outputPort(), at).length() <= kPortGrab) {
        m_linkFrom = nodeOfBox(box, true);
        m_link = scene()->addLine(QLineF(box->outputPort(), at),
                                  QPen(QColor("#1a73e8"), 2, Qt::DashLine));
        event->accept();
        return;
      }
  QGraphicsView::mousePressEvent(event);
}

void DesignerCanvas::mouseMoveEvent(QMouseEvent* event) {
  if (m_link) {
    m_link->setLine(QLineF(m_link->line().p1(), mapToScene(event->position().toPoint())));
    event->accept();
    return;
  }
  QGraphicsView::mouseMoveEvent(event);
}

void DesignerCanvas::mouseReleaseEvent(QMouseEvent* event) {
  if (m_link) {
    const QString from = m_linkFrom;
    delete m_link;
    m_link = nullptr;
    m_linkFrom.clear();
    const DesignBox* target = boxAt(mapToScene(event->position().toPoint()));
    QString why;
    if (target && !m_document.connectBoxes(from, nodeOfBox(target, false), &why)) emit status(why);
    event->accept();
    return;
  }
  QGraphicsView::mouseReleaseEvent(event);
  // A collapsed block sits where its first node does: its nodes move with it.
  QHash<QString, QPointF> moved;
  for (const QString& name : m_document.boxes()) {
    const DesignBox* box = drawnBox(name);
    if (!box) continue;
    const QString anchor = box->isBlock() ? nodeOfBox(box, false) : name;
    const QPointF delta = box->pos() - m_document.position(anchor);
    if (!delta.isNull()) moved.insert(name, m_document.position(name) + delta);
  }
  if (!moved.isEmpty()) m_document.moveBoxes(moved);
}

void DesignerCanvas::mouseDoubleClickEvent(QMouseEvent* event) {
  const QPointF at = mapToScene(event->position().toPoint());
  for (QGraphicsItem* item : scene()->items(at)) {
    if (const auto* box = dynamic_cast<DesignBox*>(item); box && box->isBlock()) {
      m_document.setCollapsed(box->name(), false);
      return;
    }
    if (const auto* frame = dynamic_cast<BlockFrame*>(item);
        frame && frame->titleRect().contains(at)) {
      m_document.setCollapsed(frame->name(), true);
      return;
    }
  }
  QGraphicsView::mouseDoubleClickEvent(event);
}

void DesignerCanvas::keyPressEvent(QKeyEvent* event) {
  if (event->matches(QKeySequence::Copy) || event->matches(QKeySequence::Cut)) {
    const QStringList boxes = selectedBoxes();
    auto* data = new QMimeData;
    data->setData(kNodesMimeType,
                  QJsonDocument(m_document.copyOf(boxes)).toJson(QJsonDocument::Compact));
    QGuiApplication::clipboard()->setMimeData(data);
    if (event->matches(QKeySequence::Cut)) m_document.removeBoxes(boxes);
    event->accept();
    return;
  }
  if (event->matches(QKeySequence::Paste)) {
    const QMimeData* data = QGuiApplication::clipboard()->mimeData();
    if (data && data->hasFormat(kNodesMimeType))
      selectBoxes(m_document.paste(QJsonDocument::fromJson(data->data(kNodesMimeType)).object(),
                                   QPointF(30, 30)));
    event->accept();
    return;
  }
  if (event->matches(QKeySequence::SelectAll)) {
    selectBoxes(m_document.boxes());
    event->accept();
    return;
  }
  if (event->key() != Qt::Key_Delete && event->key() != Qt::Key_Backspace) {
    QGraphicsView::keyPressEvent(event);
    return;
  }
  const QStringList boxes = selectedBoxes();
  if (!boxes.isEmpty()) {
    m_document.removeBoxes(boxes);
  } else {
    for (DesignEdge* e : std::as_const(m_edges))
      if (e->isSelected()) {
        m_document.disconnectBoxes(e->from()->name(), e->to()->name());
        break;  // the document redrew the canvas: the other edges are gone
      }
  }
  event->accept();
}

void DesignerCanvas::wheelEvent(QWheelEvent* event) { zoomByWheel(*this, *event); }

void DesignerCanvas::fit() { fitGraph(*this, scene()->itemsBoundingRect()); }

void DesignerCanvas::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasFormat(kOpMimeType)) event->acceptProposedAction();
}

void DesignerCanvas::dragMoveEvent(QDragMoveEvent* event) {
  if (event->mimeData()->hasFormat(kOpMimeType)) event->acceptProposedAction();
}

void DesignerCanvas::dropEvent(QDropEvent* event) {
  const QString op = QString::fromUtf8(event->mimeData()->data(kOpMimeType));
  if (op.isEmpty()) return;
  m_document.addNode(op, mapToScene(event->position().toPoint()));
  event->acceptProposedAction();
}

}  // namespace twb::ui
