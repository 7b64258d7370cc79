#include "app/graph_layout.h"

#include <algorithm>
#include <numeric>
#include <queue>

namespace twb::app {

namespace {

constexpr int kOrderSweeps = 12;     // barycenter passes, down then up
constexpr int kPositionSweeps = 10;  // x-position passes, down then up
constexpr double kBendWeight = 2;    // a bend point holds on to its edge's line harder than a node

// The graph as it is laid out: the real nodes first, then one bend point per layer crossed by a
// long edge. `above` and `below` hold each vertex's neighbours in the adjacent layers.
struct Layered {
  int realNodes = 0;
  QVector<int> layer;
  QVector<double> width, height, x;
  QVector<QVector<int>> above, below;
  QVector<QVector<int>> order;   // per layer, left to right
  QVector<QVector<int>> chains;  // per edge, from its upper end to its lower end
  QVector<bool> reversed;        // per edge: drawn from its target up to its source

  bool isBend(int v) const { return v >= realNodes; }

  int addVertex(int inLayer, double w, double h) {
    layer.append(inLayer);
    width.append(w);
    height.append(h);
    above.append(QVector<int>());
    below.append(QVector<int>());
    order[inLayer].append(static_cast<int>(layer.size()) - 1);
    return static_cast<int>(layer.size()) - 1;
  }
};

// Topological order by Kahn's algorithm, lowest index first among the ready; nodes on a cycle
// follow in index order.
QVector<int> topologicalOrder(int n, const QVector<LayoutEdge>& edges) {
  QVector<int> indegree(n, 0);
  QVector<QVector<int>> out(n);
  for (const LayoutEdge& e : edges) {
    out[e.from].append(e.to);
    ++indegree[e.to];
  }
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (int v = 0; v < n; ++v)
    if (!indegree[v]) ready.push(v);
  QVector<int> order;
  QVector<bool> placed(n, false);
  while (!ready.empty()) {
    const int v = ready.top();
    ready.pop();
    order.append(v);
    placed[v] = true;
    for (int w : out[v])
      if (--indegree[w] == 0) ready.push(w);
  }
  for (int v = 0; v < n; ++v)
    if (!placed[v]) order.append(v);
  return order;
}

Layered assignLayers(const QVector<QSizeF>& sizes, const QVector<LayoutEdge>& edges) {
  const int n = static_cast<int>(sizes.size());
  const QVector<int> topo = topologicalOrder(n, edges);
  QVector<int> rank(n);
  for (int i = 0; i < n; ++i) rank[topo[i]] = i;
  QVector<QVector<int>> into(n);
  for (const LayoutEdge& e : edges)
    if (rank[e.from] < rank[e.to]) into[e.to].append(e.from);
  QVector<int> layerOf(n, 0);
  for (int v : topo)
    for (int u : into[v]) layerOf[v] = std::max(layerOf[v], layerOf[u] + 1);

  Layered g;
  g.realNodes = n;
  g.order.resize(n ? *std::max_element(layerOf.begin(), layerOf.end()) + 1 : 0);
  // Real nodes enter their layers in topological order, which is the first order tried.
  g.layer.resize(n);
  g.width.resize(n);
  g.height.resize(n);
  g.above.resize(n);
  g.below.resize(n);
  for (int v : topo) {
    g.layer[v] = layerOf[v];
    g.width[v] = sizes[v].width();
    g.height[v] = sizes[v].height();
    g.order[layerOf[v]].append(v);
  }
  for (const LayoutEdge& e : edges) {
    const bool up = layerOf[e.from] > layerOf[e.to];
    const int top = up ? e.to : e.from, bottom = up ? e.from : e.to;
    QVector<int> chain{top};
    for (int l = layerOf[top] + 1; l < layerOf[bottom]; ++l) chain.append(g.addVertex(l, 2, 0));
    chain.append(bottom);
    for (int i = 0; i + 1 < chain.size(); ++i)
      if (g.layer[chain[i]] + 1 == g.layer[chain[i + 1]]) {
        g.below[chain[i]].append(chain[i + 1]);
        g.above[chain[i + 1]].append(chain[i]);
      }
    g.chains.append(chain);
    g.reversed.append(up);
  }
  return g;
}

// Edge crossings between layer `l` and the one below it, for the current order.
int crossingsBelow(const Layered& g, int l, const QVector<int>& position) {
  QVector<std::pair<int, int>> spans;
  for (int v : g.order[l])
    for (int w : g.below[v]) spans.append({position[v], position[w]});
  int crossings = 0;
  for (int i = 0; i < spans.size(); ++i)
    for (int j = i + 1; j < spans.size(); ++j)
      crossings += (spans[i].first - spans[j].first) * (spans[i].second - spans[j].second) < 0;
  return crossings;
}

void orderLayers(Layered& g) {
  QVector<int> position(g.layer.size());
  const auto renumber = [&](int l) {
    for (int i = 0; i < g.order[l].size(); ++i) position[g.order[l][i]] = i;
  };
  const auto totalCrossings = [&] {
    int total = 0;
    for (int l = 0; l + 1 < g.order.size(); ++l) total += crossingsBelow(g, l, position);
    return total;
  };
  // Sorts layer `l` by the mean position of each vertex's neighbours on the side given;
  // a vertex with none there keeps its place.
  const auto sortByBarycenter = [&](int l, const QVector<QVector<int>>& neighbours) {
    QVector<double> key(g.layer.size());
    for (int v : g.order[l]) {
      key[v] = position[v];
      if (neighbours[v].isEmpty()) continue;
      double sum = 0;
      for (int w : neighbours[v]) sum += position[w];
      key[v] = sum / neighbours[v].size();
    }
    std::stable_sort(g.order[l].begin(), g.order[l].end(),
                     [&](int a, int b) { return key[a] < key[b]; });
    renumber(l);
  };
  for (int l = 0; l < g.order.size(); ++l) renumber(l);
  QVector<QVector<int>> best = g.order;
  int fewest = totalCrossings();
  for (int sweep = 0; sweep < kOrderSweeps && fewest > 0; ++sweep) {
    if (sweep % 2 == 0)
      for (int l = 1; l < g.order.size(); ++l) sortByBarycenter(l, g.above);
    else
      for (int l = static_cast<int>(g.order.size()) - 2; l >= 0; --l) sortByBarycenter(l, g.below);
    if (const int crossings = totalCrossings(); crossings < fewest) {
      fewest = crossings;
      best = g.order;
    }
  }
  g.order = best;
}

// The x of each vertex of `layerOrder` closest (weighted least squares) to `wanted` while each
// stays at least `spacing[i]` right of the one before it: pool-adjacent-violators on x minus the
// spacing accumulated so far, which must then be non-decreasing.
void placeInOrder(const QVector<int>& layerOrder, const QVector<double>& wanted,
                  const QVector<double>& weight, const QVector<double>& spacing,
                  QVector<double>& x) {
  struct Block {
    double weight, weightedSum;
    int count;
    double mean() const { return weightedSum / weight; }
  };
  QVector<double> offset(layerOrder.size(), 0);
  for (int i = 1; i < layerOrder.size(); ++i) offset[i] = offset[i - 1] + spacing[i];
  QVector<Block> blocks;
  for (int i = 0; i < layerOrder.size(); ++i) {
    const int v = layerOrder[i];
    blocks.append({weight[v], weight[v] * (wanted[v] - offset[i]), 1});
    while (blocks.size() > 1 && blocks[blocks.size() - 2].mean() > blocks.back().mean()) {
      const Block last = blocks.takeLast();
      blocks.back() = {blocks.back().weight + last.weight,
                       blocks.back().weightedSum + last.weightedSum,
                       blocks.back().count + last.count};
    }
  }
  int i = 0;
  for (const Block& b : blocks)
    for (int k = 0; k < b.count; ++k, ++i) x[layerOrder[i]] = b.mean() + offset[i];
}

void assignPositions(Layered& g, double gap) {
  g.x.fill(0, g.layer.size());
  QVector<double> weight(g.layer.size(), 1), wanted(g.layer.size(), 0);
  for (int v = g.realNodes; v < g.layer.size(); ++v) weight[v] = kBendWeight;
  QVector<QVector<double>> spacing(g.order.size());
  for (int l = 0; l < g.order.size(); ++l) {
    const QVector<int>& o = g.order[l];
    spacing[l].fill(0, o.size());
    for (int i = 1; i < o.size(); ++i) {
      const bool bends = g.isBend(o[i - 1]) && g.isBend(o[i]);
      spacing[l][i] = (g.width[o[i - 1]] + g.width[o[i]]) / 2 + (bends ? gap / 3 : gap);
    }
    double left = 0;  // packed from 0 to begin with
    for (int i = 0; i < o.size(); ++i) g.x[o[i]] = left += spacing[l][i];
  }
  const auto pull = [&](int l, bool fromAbove, bool fromBelow) {
    for (int v : g.order[l]) {
      double sum = 0;
      int count = 0;
      for (int w : fromAbove ? g.above[v] : QVector<int>()) sum += g.x[w], ++count;
      for (int w : fromBelow ? g.below[v] : QVector<int>()) sum += g.x[w], ++count;
      wanted[v] = count ? sum / count : g.x[v];
    }
    placeInOrder(g.order[l], wanted, weight, spacing[l], g.x);
  };
  for (int sweep = 0; sweep < kPositionSweeps; ++sweep) {
    if (sweep % 2 == 0)
      for (int l = 1; l < g.order.size(); ++l) pull(l, true, false);
    else
      for (int l = static_cast<int>(g.order.size()) - 2; l >= 0; --l) pull(l, false, true);
  }
  for (int l = 0; l < g.order.size(); ++l) pull(l, true, true);
}

}  // namespace

GraphLayout layoutLayered(const QVector<QSizeF>& sizes, const QVector<LayoutEdge>& edges,
                          double gap) {
  Layered g = assignLayers(sizes, edges);
  orderLayers(g);
  assignPositions(g, gap);

  QVector<double> top(g.order.size() + 1, 0), layerHeight(g.order.size(), 0);
  for (int v = 0; v < g.layer.size(); ++v)
    layerHeight[g.layer[v]] = std::max(layerHeight[g.layer[v]], g.height[v]);
  for (int l = 0; l < g.order.size(); ++l) top[l + 1] = top[l] + layerHeight[l] + gap * 1.5;

  GraphLayout layout;
  for (int v = 0; v < g.realNodes; ++v) {
    const double y = top[g.layer[v]] + (layerHeight[g.layer[v]] - g.height[v]) / 2;
    layout.nodes.append(QRectF(g.x[v] - g.width[v] / 2, y, g.width[v], g.height[v]));
  }
  for (int e = 0; e < g.chains.size(); ++e) {
    const QVector<int>& chain = g.chains[e];
    QVector<QPointF> line{{g.x[chain.front()], layout.nodes[chain.front()].bottom()}};
    for (int i = 1; i + 1 < chain.size(); ++i) {  // a bend runs straight down through its layer
      const int l = g.layer[chain[i]];
      line << QPointF(g.x[chain[i]], top[l]) << QPointF(g.x[chain[i]], top[l] + layerHeight[l]);
    }
    line.append({g.x[chain.back()], layout.nodes[chain.back()].top()});
    if (g.reversed[e]) std::reverse(line.begin(), line.end());
    layout.edges.append(line);
  }
  for (const QRectF& r : layout.nodes) layout.bounds |= r;
  for (const auto& line : layout.edges)
    for (const QPointF& p : line) layout.bounds |= QRectF(p, QSizeF(0.01, 0.01));
  const QPointF shift = -layout.bounds.topLeft();
  for (QRectF& r : layout.nodes) r.translate(shift);
  for (auto& line : layout.edges)
    for (QPointF& p : line) p += shift;
  layout.bounds.translate(shift);
  return layout;
}

}  // namespace twb::app
