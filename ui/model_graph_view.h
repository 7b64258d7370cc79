#pragma once

#include <QGraphicsView>
#include <QHash>

#include "app/model_graph.h"

namespace twb::ui {

class LayerBox;

// What a run adds to one layer of its drawn model (from its profile, its quantization report
// and another run picked beside it).
struct LayerFacts {
  double ms = 0;     // forward + backward of the profiled step
  double share = 0;  // of the step, 0 to 1
  double gflops = 0;
  QString precision;      // as the run computed it: f32, bf16, s8, u8, int8
  bool fallback = false;  // quantization kept this int8-capable layer in fp32
  double speedup = 0;     // the other run's ms over this run's; 0: none
};

// A model drawn as a layered graph (app/graph_layout.h), one box per input and node with its op,
// name and output shape, coloured by a run's facts: share of the step time (the costliest layer
// darkest), precision (int8, fallbacks, bf16, fp32) or speedup over another run. The wheel zooms
// around the cursor, dragging pans, a click selects a layer (layerClicked), hovering shows the
// numbers.
class ModelGraphView : public QGraphicsView {
  Q_OBJECT

 public:
  enum class Colouring { time, precision, speedup };

  explicit ModelGraphView(QWidget* parent = nullptr);
  ~ModelGraphView() override;  // before the scene deletes a selected box, which would signal

  // Lays `model` out and draws it, fitted to the view; a model with an error shows the error.
  void setModel(const app::ModelGraph& model);
  void setLayerFacts(const QHash<QString, LayerFacts>& facts);
  void setColouring(Colouring colouring);
  Colouring colouring() const { return m_colouring; }
  // Selects the layer's box and brings it into view, without emitting layerClicked.
  void selectLayer(const QString& name);
  // Fits the model to the view (no larger than its natural size; a deep model at half size from
  // its top) and keeps it fitted through resizes until the user zooms.
  void fit();
  // What the colours mean now, as rich text for a label beside the view.
  QString legend() const;

  // The drawn box of a layer (scene coordinates, its fill and tooltip); for tests and tools.
  QRectF boxOf(const QString& name) const;
  QColor fillOf(const QString& name) const;
  QString toolTipOf(const QString& name) const;
  QStringList layers() const;

 signals:
  void layerClicked(const QString& name);

 protected:
  void wheelEvent(QWheelEvent* event) override;
  void resizeEvent(QResizeEvent* event) override;

 private:
  void recolour();
  QColor fillFor(const app::ModelGraphNode& node, const LayerFacts* facts) const;
  QString toolTipFor(const app::ModelGraphNode& node, const LayerFacts* facts) const;

  app::ModelGraph m_model;
  QHash<QString, LayerFacts> m_facts;
  QHash<QString, LayerBox*> m_boxes;
  Colouring m_colouring = Colouring::time;
  double m_costliestMs = 0;
  bool m_fitted = true;      // fit() again on a resize
  bool m_selecting = false;  // selectLayer() at work: not the user's click
};

}  // namespace twb::ui
