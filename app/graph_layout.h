#pragma once

#include <QPointF>
#include <QRectF>
#include <QSizeF>
#include <QVector>

namespace twb::app {

struct LayoutEdge {
  int from = 0, to = 0;  // node indices
};

// Where a drawn graph's nodes and edges go: `nodes[i]` is node i's rectangle; `edges[e]` is edge
// e as a polyline from the bottom of its source to the top of its target.
struct GraphLayout {
  QVector<QRectF> nodes;
  QVector<QVector<QPointF>> edges;
  QRectF bounds;
};

// Lays a directed graph out top to bottom in layers, the way Sugiyama-style tools (Graphviz's
// dot, Netron) do:
//   1. each node's layer is its longest path from a source (an edge into a node already placed,
//      which only a cycle makes, is drawn upwards and does not push its target down);
//   2. an edge across several layers gets a small bend point in each layer it crosses;
//   3. the order within layers comes from barycenter sweeps, keeping the order with the fewest
//      crossings;
//   4. x positions are pulled towards the nodes' neighbours while keeping each layer's order and
//      spacing (a weighted isotonic regression per layer), so chains and long edges run straight.
// Nodes never overlap: a layer's nodes are `gap` apart, layers are `gap` apart.
GraphLayout layoutLayered(const QVector<QSizeF>& sizes, const QVector<LayoutEdge>& edges,
                          double gap = 24);

}  // namespace twb::app
