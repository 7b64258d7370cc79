#include "ui/model_graph_view.h"

#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPath>
#include <QStyleOptionGraphicsItem>
#include <QWheelEvent>
#include <cmath>

#include "ui/graph_drawing.h"

namespace twb::ui {

namespace {
constexpr double kCorner = 5;
constexpr double kArrow = 6;

const QColor kInputFill("#ffffff"), kUnmeasuredFill("#eeeeee"), kFp32Fill("#cfe2f3"),
    kBf16Fill("#d9ead3"), kInt8Fill("#f9cb9c"), kFallbackFill("#e06666");

bool isInt8(const QString& precision) {
  return precision == "int8" || precision == "s8" || precision == "u8";
}

QString square(const QColor& c) {
  return QString("<span style=\"background-color:%1\">&nbsp;&nbsp;&nbsp;&nbsp;</span>")
      .arg(c.name());
}

QString thousands(double value) { return QLocale().toString(value, 'f', 0); }
}  // namespace

// One layer's box: op in bold, then its name and output shape.
class LayerBox : public QGraphicsItem {
 public:
  LayerBox(const app::ModelGraphNode& node, const QFont& font)
      : m_font(font),
        m_lines{node.op, node.name, app::batchedShapeText(node.shape)},
        m_size(boxTextSize(m_lines, font)) {
    setFlag(ItemIsSelectable);
    setAcceptHoverEvents(true);
  }

  QSizeF size() const { return m_size; }
  void setFill(const QColor& fill) {
    m_fill = fill;
    update();
  }
  QColor fill() const { return m_fill; }
  QRectF boundingRect() const override {
    return QRectF(QPointF(0, 0), m_size).adjusted(-2, -2, 2, 2);
  }

  void paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget*) override {
    painter->setRenderHint(QPainter::Antialiasing);
    painter->setBrush(m_fill);
    painter->setPen(isSelected() ? QPen(QColor("#1a73e8"), 3) : QPen(QColor("#555555"), 1));
    painter->drawRoundedRect(QRectF(QPointF(0, 0), m_size), kCorner, kCorner);
    painter->setPen(m_fill.lightnessF() < 0.5 ? Qt::white : Qt::black);
    paintBoxText(*painter, m_lines, m_font, m_size.width());
  }

 private:
  QFont m_font;
  QStringList m_lines;
  QSizeF m_size;
  QColor m_fill = kUnmeasuredFill;
};

ModelGraphView::ModelGraphView(QWidget* parent) : QGraphicsView(parent) {
  setScene(new QGraphicsScene(this));
  setObjectName("modelGraph");
  setRenderHint(QPainter::Antialiasing);
  setDragMode(ScrollHandDrag);
  setTransformationAnchor(AnchorUnderMouse);
  connect(scene(), &QGraphicsScene::selectionChanged, this, [this] {
    if (m_selecting) return;
    for (auto it = m_boxes.begin(); it != m_boxes.end(); ++it)
      if (it.value()->isSelected()) emit layerClicked(it.key());
  });
}

ModelGraphView::~ModelGraphView() { scene()->disconnect(this); }

void ModelGraphView::setModel(const app::ModelGraph& model) {
  m_model = model;
  m_boxes.clear();
  scene()->clear();
  if (!model.error.isEmpty()) {
    auto* text = scene()->addText(model.error);
    text->setTextWidth(360);
    scene()->setSceneRect(text->boundingRect());
    return;
  }
  QVector<QSizeF> sizes;
  QVector<LayerBox*> boxes;
  for (const app::ModelGraphNode& node : model.nodes) {
    auto* box = new LayerBox(node, font());
    boxes.append(box);
    sizes.append(box->size());
  }
  const app::GraphLayout layout = app::layoutLayered(sizes, model.edges);
  const QPen edgePen(QColor("#777777"), 1.2);
  for (const QVector<QPointF>& line : layout.edges) {
    QPainterPath path(line.front());
    for (int i = 1; i < line.size(); ++i) path.lineTo(line[i]);
    scene()->addPath(path, edgePen)->setZValue(-1);
    const QPointF tip = line.back(), from = line[line.size() - 2];
    const double angle = std::atan2(tip.y() - from.y(), tip.x() - from.x());
    QPolygonF head;
    head << tip << tip - QPointF(std::cos(angle - 0.4), std::sin(angle - 0.4)) * kArrow
         << tip - QPointF(std::cos(angle + 0.4), std::sin(angle + 0.4)) * kArrow;
    scene()->addPolygon(head, edgePen, QBrush(edgePen.color()))->setZValue(-1);
  }
  for (int i = 0; i < boxes.size(); ++i) {
    boxes[i]->setPos(layout.nodes[i].topLeft());
    scene()->addItem(boxes[i]);
    m_boxes.insert(model.nodes[i].name, boxes[i]);
  }
  scene()->setSceneRect(layout.bounds.adjusted(-20, -20, 20, 20));
  recolour();
  fit();
}

void ModelGraphView::setLayerFacts(const QHash<QString, LayerFacts>& facts) {
  m_facts = facts;
  m_costliestMs = 0;
  for (const LayerFacts& f : facts) m_costliestMs = std::max(m_costliestMs, f.ms);
  recolour();
}

void ModelGraphView::setColouring(Colouring colouring) {
  m_colouring = colouring;
  recolour();
}

void ModelGraphView::recolour() {
  for (const app::ModelGraphNode& node : m_model.nodes) {
    LayerBox* box = m_boxes.value(node.name);
    if (!box) continue;
    const auto facts = m_facts.constFind(node.name);
    const LayerFacts* f = facts == m_facts.cend() ? nullptr : &*facts;
    box->setFill(fillFor(node, f));
    box->setToolTip(toolTipFor(node, f));
  }
}

QColor ModelGraphView::fillFor(const app::ModelGraphNode& node, const LayerFacts* facts) const {
  if (node.op == "Input") return kInputFill;
  if (!facts) return kUnmeasuredFill;
  switch (m_colouring) {
    case Colouring::time: {
      const double t = m_costliestMs > 0 ? facts->ms / m_costliestMs : 0;
      return QColor::fromHslF(0.03f, 0.85f, static_cast<float>(0.95 - 0.6 * t));
    }
    case Colouring::precision:
      if (facts->fallback) return kFallbackFill;
      if (isInt8(facts->precision)) return kInt8Fill;
      return facts->precision == "bf16" ? kBf16Fill : kFp32Fill;
    case Colouring::speedup: {
      if (facts->speedup <= 0) return kUnmeasuredFill;
      const double t = std::clamp(std::log2(facts->speedup), -1.0, 1.0);  // 0.5x .. 2x
      return QColor::fromHslF(t >= 0 ? 0.33f : 0.0f, 0.6f,
                              static_cast<float>(0.93 - 0.45 * std::abs(t)));
    }
  }
  return kUnmeasuredFill;
}

QString ModelGraphView::toolTipFor(const app::ModelGraphNode& node, const LayerFacts* facts) const {
  QStringList lines{QString("<b>%1</b> (%2)").arg(node.name.toHtmlEscaped(), node.op),
                    tr("output %1").arg(app::batchedShapeText(node.shape))};
  if (node.parameters) lines << tr("%1 parameters").arg(thousands(node.parameters));
  if (node.flops > 0) lines << tr("%1 MFLOP per sample").arg(node.flops / 1e6, 0, 'f', 2);
  if (node.op != "Input" && !facts)
    lines << tr("not in the run's profile (fused into the layer before it, or not run)");
  if (facts && facts->ms > 0)
    lines << tr("%1 ms, %2 % of the step, %3 GFLOP/s")
                 .arg(facts->ms, 0, 'f', 3)
                 .arg(facts->share * 100, 0, 'f', 1)
                 .arg(facts->gflops, 0, 'f', 1);
  if (facts && !facts->precision.isEmpty())
    lines << (facts->fallback
                  ? tr("precision %1: kept out of int8 by quantization").arg(facts->precision)
                  : tr("precision %1").arg(facts->precision));
  if (facts && facts->speedup > 0)
    lines << tr("%1× the other run's speed").arg(facts->speedup, 0, 'f', 2);
  return lines.join("<br>");
}

QString ModelGraphView::legend() const {
  switch (m_colouring) {
    case Colouring::time:
      return tr("%1 least to %2 most of the step's time; %3 not in the profile")
          .arg(square(QColor::fromHslF(0.03f, 0.85f, 0.95f)),
               square(QColor::fromHslF(0.03f, 0.85f, 0.35f)), square(kUnmeasuredFill));
    case Colouring::precision:
      return tr("%1 int8 %2 kept in fp32 by quantization %3 bf16 %4 fp32")
          .arg(square(kInt8Fill), square(kFallbackFill), square(kBf16Fill), square(kFp32Fill));
    case Colouring::speedup:
      return tr("%1 2× or more faster than the other run, %2 2× or more slower; %3 no comparison")
          .arg(square(QColor::fromHslF(0.33f, 0.6f, 0.48f)),
               square(QColor::fromHslF(0.0f, 0.6f, 0.48f)), square(kUnmeasuredFill));
  }
  return {};
}

void ModelGraphView::selectLayer(const QString& name) {
  LayerBox* box = m_boxes.value(name);
  if (!box) return;
  m_selecting = true;
  scene()->clearSelection();
  box->setSelected(true);
  m_selecting = false;
  ensureVisible(box);
}

void ModelGraphView::fit() {
  m_fitted = true;
  fitGraph(*this, sceneRect());
}

void ModelGraphView::wheelEvent(QWheelEvent* event) {
  m_fitted = false;
  zoomByWheel(*this, *event);
}

void ModelGraphView::resizeEvent(QResizeEvent* event) {
  QGraphicsView::resizeEvent(event);
  if (m_fitted) fit();
}

QRectF ModelGraphView::boxOf(const QString& name) const {
  const LayerBox* box = m_boxes.value(name);
  return box ? QRectF(box->pos(), box->size()) : QRectF();
}

QColor ModelGraphView::fillOf(const QString& name) const {
  const LayerBox* box = m_boxes.value(name);
  return box ? box->fill() : QColor();
}

QString ModelGraphView::toolTipOf(const QString& name) const {
  const LayerBox* box = m_boxes.value(name);
  return box ? box->toolTip() : QString();
}

QStringList ModelGraphView::layers() const {
  QStringList names;
  for (const app::ModelGraphNode& node : m_model.nodes) names << node.name;
  return names;
}

}  // namespace twb::ui
