#include "graph/graph.h"

#include <algorithm>
#include <functional>

#include "core/error.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
std::string nodePath(size_t index, const NodeSpec& n) {
  return "nodes[" + std::to_string(index) + "] '" + n.name + "'";
}

// Names the nodes of one cycle among `pending` (nodes that a topological sort could not place).
std::string describeCycle(const ModelSpec& spec, const std::vector<bool>& pending,
                          const std::map<std::string, size_t>& nodeByName) {
  std::vector<int> state(spec.nodes.size(), 0);  // 0 new, 1 on stack, 2 done
  std::vector<size_t> stack;
  std::string found;
  std::function<bool(size_t)> visit = [&](size_t i) {
    state[i] = 1;
    stack.push_back(i);
    for (const auto& in : spec.nodes[i].inputs) {
      auto it = nodeByName.find(in);
      if (it == nodeByName.end() || !pending[it->second]) continue;
      if (state[it->second] == 1) {
        size_t k = stack.size();
        while (stack[k - 1] != it->second) --k;
        for (size_t j = k - 1; j < stack.size(); ++j) found += spec.nodes[stack[j]].name + " <- ";
        found += spec.nodes[it->second].name;
        return true;
      }
      if (state[it->second] == 0 && visit(it->second)) return true;
    }
    stack.pop_back();
    state[i] = 2;
    return false;
  };
  for (size_t i = 0; i < spec.nodes.size(); ++i)
    if (pending[i] && state[i] == 0 && visit(i)) break;
  return found;
}
}  // namespace

Graph Graph::build(const ModelSpec& spec, int64_t batch) {
  if (batch <= 0) throw Error("batch must be > 0, got " + std::to_string(batch));
  Graph g;
  g.m_batch = batch;
  if (spec.inputs.empty()) throw Error("model '" + spec.name + "' has no inputs");
  if (spec.nodes.empty()) throw Error("model '" + spec.name + "' has no nodes");

  for (const auto& in : spec.inputs) {
    if (g.m_valueByName.count(in.name)) throw Error("input '" + in.name + "' is declared twice");
    Shape shape{batch};
    shape.insert(shape.end(), in.shape.begin(), in.shape.end());
    g.m_valueByName[in.name] = static_cast<int>(g.m_values.size());
    g.m_inputs.push_back(static_cast<int>(g.m_values.size()));
    g.m_values.push_back({in.name, shape, in.dtype, -1, {}});
  }
  std::map<std::string, size_t> nodeByName;
  for (size_t i = 0; i < spec.nodes.size(); ++i) {
    const auto& n = spec.nodes[i];
    if (n.name.empty()) throw Error("nodes[" + std::to_string(i) + "].name: must not be empty");
    if (nodeByName.count(n.name) || g.m_valueByName.count(n.name))
      throw Error(nodePath(i, n) + ": the name is used twice");
    nodeByName[n.name] = i;
  }
  for (size_t i = 0; i < spec.nodes.size(); ++i)
    for (const auto& in : spec.nodes[i].inputs)
      if (!nodeByName.count(in) && !g.m_valueByName.count(in))
        throw Error(nodePath(i, spec.nodes[i]) + ": input '" + in +
                    "' is neither a model input nor a node");

  // Kahn's algorithm, keeping the written order among ready nodes so plans are reproducible.
  std::vector<bool> pending(spec.nodes.size(), true);
  for (size_t placed = 0; placed < spec.nodes.size();) {
    bool progress = false;
    for (size_t i = 0; i < spec.nodes.size(); ++i) {
      if (!pending[i]) continue;
      const auto& n = spec.nodes[i];
      bool ready = true;
      for (const auto& in : n.inputs) ready = ready && g.m_valueByName.count(in);
      if (!ready) continue;

      GraphNode node;
      node.name = n.name;
      node.opName = n.op;
      const std::string where = nodePath(i, n);
      node.op = OpRegistry::instance().create(n.op, n.attrs, where);
      const OpDef& def = *OpRegistry::instance().find(n.op);
      const int count = static_cast<int>(n.inputs.size());
      if (count < def.minInputs || (def.maxInputs >= 0 && count > def.maxInputs))
        throw Error(where + ": " + n.op + " takes " + std::to_string(def.minInputs) +
                    (def.maxInputs == def.minInputs ? ""
                     : def.maxInputs < 0            ? " or more"
                                                    : " to " + std::to_string(def.maxInputs)) +
                    " inputs, got " + std::to_string(count));
      std::vector<Shape> shapes;
      for (const auto& in : n.inputs) {
        node.inputs.push_back(g.m_valueByName[in]);
        shapes.push_back(g.m_values[g.m_valueByName[in]].shape);
      }
      Shape out;
      try {
        out = node.op->outputShape(shapes);
        node.params = node.op->params(shapes);
        node.forwardFlops = node.op->forwardFlops(shapes, out);
      } catch (const Error& e) {
        throw e.within("node '" + n.name + "' (" + n.op + ")");
      }
      const int nodeIndex = static_cast<int>(g.m_nodes.size());
      for (int v : node.inputs) g.m_values[v].consumers.push_back(nodeIndex);
      node.output = static_cast<int>(g.m_values.size());
      g.m_valueByName[n.name] = node.output;
      g.m_values.push_back({n.name, out, DType::f32, nodeIndex, {}});
      g.m_nodes.push_back(std::move(node));
      pending[i] = false;
      ++placed;
      progress = true;
    }
    if (!progress)
      throw Error("model '" + spec.name +
                  "' has a cycle: " + describeCycle(spec, pending, nodeByName));
  }

  const auto outputs =
      spec.outputs.empty() ? std::vector<std::string>{spec.nodes.back().name} : spec.outputs;
  for (const auto& o : outputs) {
    auto it = g.m_valueByName.find(o);
    if (it == g.m_valueByName.end()) throw Error("outputs: '" + o + "' is not a node");
    g.m_outputs.push_back(it->second);
  }
  return g;
}

int Graph::valueIndex(const std::string& name) const {
  auto it = m_valueByName.find(name);
  if (it == m_valueByName.end()) throw Error("the model has no value named '" + name + "'");
  return it->second;
}

bool GraphNode::learns() const {
  return std::any_of(params.begin(), params.end(), [](const ParamSpec& p) { return p.trainable; });
}

std::vector<std::pair<std::string, ParamSpec>> Graph::parameters() const {
  std::vector<std::pair<std::string, ParamSpec>> out;
  for (const auto& n : m_nodes)
    for (const auto& p : n.params) out.emplace_back(n.name + "." + p.suffix, p);
  return out;
}

int64_t Graph::parameterCount() const {
  int64_t count = 0;
  for (const auto& [name, p] : parameters())
    if (p.trainable) count += numel(p.shape);
  return count;
}

void Graph::freezeNodes(const std::vector<std::string>& nodes) {
  for (auto& n : m_nodes)
    if (std::find(nodes.begin(), nodes.end(), n.name) != nodes.end())
      for (auto& p : n.params)
        if (p.trainable) p.trainable = false, p.frozen = true;
}

double Graph::forwardFlops() const {
  double f = 0;
  for (const auto& n : m_nodes) f += n.forwardFlops;
  return f;
}

}  // namespace twb
