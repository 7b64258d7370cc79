#include "io/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>

#include "core/error.h"
#include "exec/int8_placement.h"
#include "graph/graph.h"
#include "io/onnx_batch_layout.h"
#include "io/onnx_external_data.h"
#include "io/onnx_imported_node.h"
#include "io/onnx_qdq.h"
#include "io/onnx_shape_arithmetic.h"

namespace twb {

namespace {
// The values a tensor's dims promise, checked against the values it holds before anything is
// allocated (a malformed file may promise terabytes).
int64_t valueCount(const onnx::TensorProto& t, int64_t held, size_t valueBytes,
                   const std::string& where) {
  int64_t count = 1;
  for (const int64_t d : t.dims()) {
    if (d < 0) throw Error(where + ": negative dimension " + std::to_string(d));
    if (d != 0 && count > std::numeric_limits<int64_t>::max() / d)
      throw Error(where + ": its dimensions multiply past any size");
    count *= d;
  }
  if (!t.raw_data().empty()) held = static_cast<int64_t>(t.raw_data().size() / valueBytes);
  const bool rawFits = t.raw_data().empty() || t.raw_data().size() % valueBytes == 0;
  if (!rawFits || held != count)
    throw Error(where + ": holds " + std::to_string(held) + " values for shape " +
                toString(Shape(t.dims().begin(), t.dims().end())) + " (" + std::to_string(count) +
                ")");
  return count;
}

Tensor toTensor(const onnx::TensorProto& t, const std::string& where) {
  const Shape shape(t.dims().begin(), t.dims().end());
  if (t.data_type() == onnx::TensorProto::FLOAT) {
    valueCount(t, t.float_data_size(), sizeof(float), where);
    Tensor out(shape, DType::f32);
    if (!t.raw_data().empty())
      std::memcpy(out.raw(), t.raw_data().data(), out.bytes());
    else
      std::copy(t.float_data().begin(), t.float_data().end(), out.data<float>());
    return out;
  }
  if (t.data_type() == onnx::TensorProto::INT64) {
    const int64_t count = valueCount(t, t.int64_data_size(), sizeof(int64_t), where);
    Tensor out(shape, DType::s32);  // shapes and axes: small integers
    std::vector<int64_t> v(static_cast<size_t>(count));
    if (!t.raw_data().empty())
      std::memcpy(v.data(), t.raw_data().data(), v.size() * 8);
    else
      v.assign(t.int64_data().begin(), t.int64_data().end());
    // Past int32 only as "to the end" (a Slice's INT64_MAX): clamped, keeping its meaning.
    for (size_t i = 0; i < v.size(); ++i)
      out.data<int32_t>()[i] = static_cast<int32_t>(std::clamp<int64_t>(
          v[i], std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
    return out;
  }
  if (t.data_type() == onnx::TensorProto::INT8 || t.data_type() == onnx::TensorProto::UINT8) {
    // QDQ weights and zero points; int32_data holds one value per entry when not raw
    const bool isUnsigned = t.data_type() == onnx::TensorProto::UINT8;
    valueCount(t, t.int32_data_size(), 1, where);
    Tensor out(shape, isUnsigned ? DType::u8 : DType::s8);
    if (!t.raw_data().empty())
      std::memcpy(out.raw(), t.raw_data().data(), out.bytes());
    else
      for (int64_t i = 0; i < out.numel(); ++i)
        out.data<int8_t>()[i] = static_cast<int8_t>(t.int32_data(static_cast<int>(i)));
    return out;
  }
  throw Error(where + ": tensor type " + std::to_string(t.data_type()) + " is not supported");
}

std::vector<int64_t> pairOf(const ImportedNode& n, const std::string& attr, int64_t fallback) {
  const auto v = n.integers(attr, {fallback, fallback});
  if (v.size() != 2) throw n.error("attribute " + attr + " must have 2 values (2-D only)");
  return v;
}

// ONNX pads are [top, left, bottom, right]; the engine pads both sides alike.
std::vector<int64_t> symmetricPads(const ImportedNode& n) {
  const auto p = n.integers("pads", {0, 0, 0, 0});
  if (p.size() != 4 || p[0] != p[2] || p[1] != p[3])
    throw n.error("asymmetric pads are not supported");
  for (const auto& a : n.proto().attribute())
    if (a.name() == "auto_pad" && !a.s().empty() && a.s() != "NOTSET")
      throw n.error("auto_pad " + a.s() + " is not supported");
  return {p[0], p[1]};
}

constexpr const char* kBatchMoved =
    "has its batch moved off axis 0 or merged with another axis (by a Transpose or Reshape); "
    "the engine keeps the batch alone on axis 0";

class Importer {
 public:
  explicit Importer(std::string path) : m_path(std::move(path)) {}

  ModelFile run() {
    std::ifstream in(m_path, std::ios::binary);
    if (!in) throw Error(m_path + ": cannot open");
    std::stringstream bytes;
    bytes << in.rdbuf();
    onnx::ModelProto model;
    if (!model.ParseFromString(bytes.str()) || !model.has_graph())
      throw Error(m_path +
                  ": not an ONNX model (or a truncated one): it does not parse as ModelProto");
    loadExternalData(*model.mutable_graph(), m_path);
    const onnx::GraphProto& g = model.graph();
    // Each opset's form is read as written, not normalised by libonnx's version converter: the
    // converter of libonnx 1.12 cannot lift PyTorch's opset-11 ViT export (its Softmax adapter
    // needs static shapes) and crashes on a graph output that no node produces.
    for (const auto& opset : model.opset_import())
      if (opset.domain().empty() || opset.domain() == "ai.onnx") m_opset = opset.version();
    if (g.node_size() == 0) throw Error(m_path + ": the ONNX graph has no nodes");
    for (const auto& t : g.initializer())
      m_constants[t.name()] = toTensor(t, m_path + ": initializer '" + t.name() + "'");
    m_spec.name = g.name().empty() ? "onnx" : g.name();
    for (const auto& input : g.input()) {
      if (m_constants.count(input.name())) continue;
      const auto& dims = input.type().tensor_type().shape().dim();
      Shape shape;
      for (int i = 1; i < dims.size(); ++i) {
        if (dims[i].dim_value() <= 0)
          throw Error(m_path + ": input '" + input.name() + "': dimension " + std::to_string(i) +
                      " has no fixed size");
        shape.push_back(dims[i].dim_value());
      }
      m_spec.inputs.push_back({input.name(), shape, DType::f32});
    }
    for (const auto& node : g.node())
      for (const auto& input : node.input()) ++m_readers[input];
    for (const auto& output : g.output()) ++m_readers[output.name()];
    for (const auto& node : g.node()) translate(ImportedNode(node));
    for (const auto& output : g.output()) {
      std::string name = resolve(output.name());
      if (m_layouts.count(name)) {
        const std::optional<std::string> engine = engineForm(name);
        if (!engine)
          throw Error(m_path + ": graph output '" + output.name() + "' " + kBatchMoved +
                      "; the engine's outputs are batch first");
        name = *engine;
      }
      if (!m_produced.count(name))
        throw Error(m_path + ": graph output '" + output.name() + "' is not produced by any node");
      m_spec.outputs.push_back(name);
    }
    ModelFile file{m_spec, {}, quantPlan(), {}};
    try {
      const Graph graph = Graph::build(m_spec, 1);
      for (const auto& [name, axis] : m_flatteningSoftmax)
        if (axis + 1 != static_cast<int64_t>(graph.values()[graph.valueIndex(name)].shape.size()))
          throw Error("node '" + name + "': a softmax before opset 13 over axis " +
                      std::to_string(axis) + " that is not the last is not supported");
      file.params.ensure(graph, 0);
      if (file.quant) checkQuantPlan(graph, *file.quant);
    } catch (const Error& e) {
      throw e.within(m_path);
    }
    for (auto& p : file.params.all()) {
      const Tensor& t = m_weights.at(p.name);
      if (t.shape() != p.value.shape())
        throw Error(m_path + ": '" + p.name + "' is " + toString(t.shape()) +
                    " but the node needs " + toString(p.value.shape()));
      std::memcpy(p.value.raw(), t.raw(), t.bytes());
    }
    return file;
  }

 private:
  std::string resolve(const std::string& name) const {
    auto it = m_aliases.find(name);
    return it == m_aliases.end() ? name : resolve(it->second);
  }

  // `name` is `target` under another name (Identity, Dropout, a Pad of zeros, ...). A value that
  // would stand for itself — a node reading its own output, through any chain — is refused:
  // resolving it would never end.
  void alias(const std::string& name, const std::string& target, const ImportedNode* node) {
    const std::string resolved = resolve(target);
    if (resolved == name) {
      const std::string what = "'" + name + "' is defined by itself (a cycle)";
      throw node ? node->error(what) : Error(what);
    }
    m_aliases[name] = resolved;
  }

  const Tensor& constant(const ImportedNode& n, int input) const {
    if (n.proto().input_size() <= input)
      throw n.error("input " + std::to_string(input) + " is missing");
    auto it = m_constants.find(n.input(input));
    if (it == m_constants.end())
      throw n.error("input '" + n.input(input) + "' must be a constant (an initializer)");
    return it->second;
  }

  void add(const ImportedNode& n, const std::string& op, std::vector<std::string> inputs,
           nlohmann::json attrs = nlohmann::json::object(), const std::string& name = "") {
    const std::string out = name.empty() ? n.output() : name;
    m_spec.nodes.push_back({out, op, std::move(inputs), std::move(attrs)});
    m_produced.insert(out);
  }

  std::string value(const ImportedNode& n, int input) {
    const std::string name = resolve(n.input(input));
    if (m_constants.count(name))
      throw n.error("input '" + name + "' is a constant; the engine needs a computed value");
    if (m_layouts.count(name)) {
      const std::optional<std::string> engine = engineForm(name);
      if (!engine)
        throw n.error("input '" + name + "' " + kBatchMoved + "; this op cannot read it");
      return *engine;
    }
    if (m_shapeArithmetic.find(name))
      throw n.error("input '" + name + "' is computed from shapes; only a Reshape may read it");
    return name;
  }

  // The int8 plan of a QDQ model: its layers with int8 weights and its values' ranges; nullopt
  // for a model without QDQ layers.
  std::optional<QuantPlan> quantPlan() const {
    if (m_int8Layers.empty()) return std::nullopt;
    QuantPlan plan;
    plan.observer = "qdq";  // the ranges the file's scales give
    for (const auto& [node, scales] : m_int8Layers) plan.layers[node] = {true, scales};
    plan.activations = m_ranges;
    return plan;
  }

  // Every value an int8 layer reads or writes has its range: a QDQ model that left one out is
  // refused here, naming it, rather than when it runs.
  void checkQuantPlan(const Graph& graph, const QuantPlan& plan) const {
    const Int8Placement placement = placeInt8(graph, plan);
    for (size_t i = 0; i < graph.nodes().size(); ++i) {
      const GraphNode& node = graph.nodes()[i];
      if (!placement.nodeInt8[i] || node.op->traits().int8 != Int8Role::weighted) continue;
      const std::string& input = graph.values()[node.inputs[0]].name;
      if (placement.storedScale[node.inputs[0]] <= 0 && !plan.activations.count(input))
        throw Error("int8 layer '" + node.name + "' reads '" + input +
                    "', which no QuantizeLinear quantizes");
    }
  }

  // The shape of a value translated so far, batch first.
  Shape shapeOf(const std::string& onnxName) const {
    const std::string name = resolve(onnxName);
    if (m_layouts.count(name)) throw Error("'" + name + "' " + kBatchMoved);
    for (const auto& input : m_spec.inputs)  // known before any node is
      if (input.name == name) {
        Shape shape{1};
        shape.insert(shape.end(), input.shape.begin(), input.shape.end());
        return shape;
      }
    ModelSpec probe = m_spec;
    probe.outputs = {name};
    const Graph graph = Graph::build(probe, 1);
    return graph.values()[graph.valueIndex(name)].shape;
  }

  // The ONNX shape of a computed value, the batch (N) where it is.
  std::vector<SymbolicDim> onnxShapeOf(const std::string& onnxName) const {
    const std::string name = resolve(onnxName);
    if (auto it = m_layouts.find(name); it != m_layouts.end()) return it->second.onnxShape();
    return BatchLayout::of(name, shapeOf(name)).onnxShape();
  }

  BatchLayout layoutOf(const std::string& name) const {
    auto it = m_layouts.find(name);
    return it != m_layouts.end() ? it->second : BatchLayout::of(name, shapeOf(name));
  }

  // Emits the engine nodes a layout change takes, named after `name`.
  BatchLayout applied(const LayoutChange& change, const std::string& name,
                      const char* reshapeSuffix) {
    BatchLayout result = change.result;
    auto emit = [&](const std::string& out, const char* op, nlohmann::json attrs) {
      m_spec.nodes.push_back({out, op, {result.engine}, std::move(attrs)});
      m_produced.insert(out);
      result.engine = out;
    };
    if (!change.perm.empty()) emit(name + "/batch-first", "Transpose", {{"perm", change.perm}});
    if (change.reshape) emit(name + reshapeSuffix, "Reshape", {{"shape", *change.reshape}});
    return result;
  }

  // The name of the engine value that ONNX value `name`, viewed as `layout`, is made from: its
  // own where they are one, another where the ONNX name stands for the view.
  static std::string engineName(const std::string& name, const BatchLayout& layout) {
    return layout.isEngineForm() ? name : name + "/engine";
  }

  // Records ONNX value `name` as `layout`: an alias when the layout is its engine value's form.
  void keep(const std::string& name, const BatchLayout& layout) {
    if (!layout.isEngineForm()) {
      m_layouts[name] = layout;
      return;
    }
    m_layouts.erase(name);
    if (layout.engine != name) alias(name, layout.engine, nullptr);
  }

  // The engine value ONNX value `name` is or is a view of.
  std::string engineOf(const std::string& name) const {
    auto it = m_layouts.find(name);
    return it == m_layouts.end() ? name : it->second.engine;
  }

  // The layout of `name` with its engine value rearranged to the view's order (kept so).
  const BatchLayout& normalised(const std::string& name) {
    BatchLayout& layout = m_layouts.at(name);
    const LayoutChange change = normalisedLayout(layout);
    if (!change.perm.empty() || change.reshape) layout = applied(change, name, "/merged");
    return layout;
  }

  // The engine value that is `name`'s ONNX form, or nullopt when its batch is not alone on
  // axis 0.
  std::optional<std::string> engineForm(const std::string& name) {
    const BatchLayout& layout = normalised(name);
    if (!layout.isEngineForm()) return std::nullopt;
    return layout.engine;
  }

  // Arithmetic on constants, computed now: `(C // heads) ** -0.5` arrives as a size cast to
  // float, then Pow. Elementwise on tensors of one shape or a scalar.
  bool foldConstant(const ImportedNode& n) {
    const std::string& op = n.proto().op_type();
    static const std::set<std::string> kFoldable{"Cast", "Pow", "Sqrt", "Mul", "Div", "Add", "Sub"};
    if (!kFoldable.count(op) || n.proto().input_size() == 0) return false;
    if (op == "Cast" && n.integer("to", 0) != onnx::TensorProto::FLOAT) return false;
    std::vector<Tensor> in;
    for (int i = 0; i < n.proto().input_size(); ++i) {
      if (const auto* folded = m_shapeArithmetic.find(n.input(i)); folded && op == "Cast") {
        Tensor t(folded->size() == 1 ? Shape{} : Shape{static_cast<int64_t>(folded->size())},
                 DType::f32);
        for (size_t k = 0; k < folded->size(); ++k) {
          if ((*folded)[k].batch != 0) return false;
          t.data<float>()[k] = static_cast<float>((*folded)[k].value);
        }
        in.push_back(t);
        continue;
      }
      auto it = m_constants.find(n.input(i));
      if (it == m_constants.end()) return false;
      if (it->second.dtype() == DType::f32) {
        in.push_back(it->second);
      } else if (op == "Cast") {
        Tensor t(it->second.shape(), DType::f32);
        for (int64_t k = 0; k < t.numel(); ++k)
          t.data<float>()[k] = static_cast<float>(it->second.data<int32_t>()[k]);
        in.push_back(t);
      } else {
        return false;  // integer arithmetic: ShapeArithmetic's
      }
    }
    Tensor out;
    if (op == "Cast" || op == "Sqrt") {
      out = in[0].clone();
      for (int64_t k = 0; op == "Sqrt" && k < out.numel(); ++k)
        out.data<float>()[k] = std::sqrt(out.data<float>()[k]);
    } else {
      if (in.size() != 2) return false;
      const Tensor& a = in[0];
      const Tensor& b = in[1];
      if (a.numel() != b.numel() && a.numel() != 1 && b.numel() != 1) return false;
      out = Tensor(a.numel() >= b.numel() ? a.shape() : b.shape(), DType::f32);
      for (int64_t k = 0; k < out.numel(); ++k) {
        const float x = a.data<float>()[a.numel() == 1 ? 0 : k],
                    y = b.data<float>()[b.numel() == 1 ? 0 : k];
        out.data<float>()[k] = op == "Pow"   ? std::pow(x, y)
                               : op == "Mul" ? x * y
                               : op == "Div" ? x / y
                               : op == "Add" ? x + y
                                             : x - y;
      }
    }
    m_constants[n.output()] = out;
    return true;
  }

  // An ONNX axis of input `input` as the engine's: counted from the front, never the batch.
  int64_t axisAfterBatch(const ImportedNode& n, int64_t axis, int input) const {
    if (axis < 0) axis += static_cast<int64_t>(shapeOf(n.input(input)).size());
    if (axis < 1) throw n.error("axis " + std::to_string(axis) + " is the batch; not supported");
    return axis;
  }

  // An integer list given as an attribute (older opsets) or a constant input (newer).
  std::vector<int64_t> integersOf(const ImportedNode& n, const std::string& attr, int input,
                                  std::vector<int64_t> fallback) const {
    if (n.proto().input_size() > input && !n.input(input).empty()) {
      if (const auto* folded = m_shapeArithmetic.find(n.input(input)))
        return plainValues(n, *folded);
      const Tensor& t = constant(n, input);
      return {t.data<int32_t>(), t.data<int32_t>() + t.numel()};
    }
    return n.integers(attr, std::move(fallback));
  }

  // Split of a computed value: one Slice per output.
  void split(const ImportedNode& n) {
    const std::string input = resolve(n.input(0));
    const auto [axis, size] = sliceAxis(n, input, n.integer("axis", 0));
    std::vector<int64_t> parts = integersOf(n, "split", 1, {});
    if (parts.empty()) parts.assign(n.proto().output_size(), size / n.proto().output_size());
    if (static_cast<int>(parts.size()) != n.proto().output_size())
      throw n.error("split has " + std::to_string(parts.size()) + " sizes for " +
                    std::to_string(n.proto().output_size()) + " outputs");
    int64_t start = 0;
    for (int i = 0; i < n.proto().output_size(); ++i) {
      sliced(n, input, axis, start, start + parts[i], n.proto().output(i));
      start += parts[i];
    }
    if (start != size)
      throw n.error("split sizes add up to " + std::to_string(start) + ", not " +
                    std::to_string(size));
  }

  // The engine axis that ONNX axis `axis` of `input` is, and its size; never the batch.
  std::pair<int64_t, int64_t> sliceAxis(const ImportedNode& n, const std::string& input,
                                        int64_t axis) const {
    if (auto it = m_layouts.find(input); it != m_layouts.end()) {
      const std::optional<int64_t> engineAxis = it->second.soleAxis(axis);
      if (!engineAxis)
        throw n.error("axis " + std::to_string(axis) + " holds the batch or merges several axes");
      return {*engineAxis, it->second.sizes[*engineAxis].value};
    }
    const Shape shape = shapeOf(input);
    if (axis < 0) axis += static_cast<int64_t>(shape.size());
    if (axis < 1 || axis >= static_cast<int64_t>(shape.size()))
      throw n.error("axis " + std::to_string(axis) +
                    " is the batch or out of range; not supported");
    return {axis, shape[axis]};
  }

  // Entries [start, end) of engine axis `axis` of `input`, as ONNX value `out`.
  void sliced(const ImportedNode& n, const std::string& input, int64_t axis, int64_t start,
              int64_t end, const std::string& out) {
    const BatchLayout layout = layoutOf(input);
    keep(out, sliceOf(n, input, layout, axis, start, end, engineName(out, layout)));
  }

  // A Slice named `name` of engine axis `axis` of `input` (viewed as `layout`), and the same
  // view of it.
  BatchLayout sliceOf(const ImportedNode& n, const std::string& input, BatchLayout layout,
                      int64_t axis, int64_t start, int64_t end, const std::string& name) {
    add(n, "Slice", {m_layouts.count(input) ? layout.engine : value(n, 0)},
        {{"axis", axis}, {"start", start}, {"end", end}}, name);
    layout.engine = name;
    layout.sizes[axis] = {0, end - start};
    return layout;
  }

  // x[..., a:b] on one axis after the batch, step 1.
  void slice(const ImportedNode& n) {
    const auto starts = integersOf(n, "starts", 1, {}), ends = integersOf(n, "ends", 2, {});
    const auto axes = integersOf(n, "axes", 3, {0}), steps = integersOf(n, "steps", 4, {1});
    if (starts.size() != 1 || ends.size() != 1 || axes.size() != 1 ||
        steps != std::vector<int64_t>{1})
      throw n.error("only a Slice of one axis with step 1 is supported");
    const std::string input = resolve(n.input(0));
    const auto [axis, size] = sliceAxis(n, input, axes[0]);
    // Captured by value: clang before 16 cannot capture a structured binding.
    auto clampIndex = [dim = size](int64_t i) {
      return std::clamp<int64_t>(i < 0 ? i + dim : i, 0, dim);
    };
    sliced(n, input, axis, clampIndex(starts[0]), clampIndex(ends[0]), n.output());
  }

  // Squeeze and Unsqueeze of a computed value: a Reshape to the shape they give.
  void squeeze(const ImportedNode& n) {
    const std::string input = resolve(n.input(0));
    const bool unsqueeze = n.proto().op_type() == "Unsqueeze";
    const std::vector<int64_t> axes = integersOf(n, "axes", 1, {});
    if (m_layouts.count(input)) {
      squeezeLayout(n, input, axes, unsqueeze);
      return;
    }
    Shape shape = shapeOf(input);
    if (!unsqueeze && axes.empty()) {
      Shape kept{shape[0]};
      for (size_t i = 1; i < shape.size(); ++i)
        if (shape[i] != 1) kept.push_back(shape[i]);
      shape = kept;
    }
    std::vector<int64_t> sorted = axes;
    const int64_t rank =
        static_cast<int64_t>(shape.size()) + (unsqueeze ? static_cast<int64_t>(axes.size()) : 0);
    for (auto& a : sorted) a = a < 0 ? a + rank : a;
    std::sort(sorted.begin(), sorted.end());
    for (auto it = sorted.rbegin(); !unsqueeze && it != sorted.rend(); ++it) {
      if (*it < 1 || *it >= static_cast<int64_t>(shape.size()) || shape[*it] != 1)
        throw n.error("axis " + std::to_string(*it) + " of " + toString(shape) +
                      " is the batch or not of size 1");
      shape.erase(shape.begin() + *it);
    }
    for (int64_t a : unsqueeze ? sorted : std::vector<int64_t>{}) {
      if (a < 1 || a > static_cast<int64_t>(shape.size()))
        throw n.error("axis " + std::to_string(a) + " would move the batch; not supported");
      shape.insert(shape.begin() + a, 1);
    }
    add(n, "Reshape", {value(n, 0)}, {{"shape", Shape(shape.begin() + 1, shape.end())}});
  }

  // Gather of one constant index: along axis 0 of a Transpose that moved the batch (`qkv[0]`),
  // or along an axis after the batch (`x[:, 0]`, a class token), as a Slice and a Reshape.
  void gather(const ImportedNode& n) {
    // A constant 2-D table indexed by computed ids: nn.Embedding.
    if (auto table = m_constants.find(n.input(0));
        table != m_constants.end() && !m_constants.count(n.input(1))) {
      const Tensor& weight = table->second;
      if (weight.shape().size() != 2 || weight.dtype() != DType::f32 || n.integer("axis", 0) != 0)
        throw n.error(
            "only a Gather from a 2-D float table along axis 0 (an embedding) is supported");
      m_weights[n.output() + ".weight"] = weight;
      add(n, "Embedding", {value(n, 1)},
          {{"num_embeddings", weight.shape()[0]}, {"embedding_dim", weight.shape()[1]}});
      return;
    }
    const Tensor& index = constant(n, 1);
    if (index.numel() != 1 || !index.shape().empty())
      throw n.error("only a Gather of one constant index is supported");
    const std::string input = resolve(n.input(0));
    const int64_t axis = n.integer("axis", 0);
    const auto [engineAxis, size] = sliceAxis(n, input, axis);
    int64_t at = index.data<int32_t>()[0];
    at = at < 0 ? at + size : at;
    if (at < 0 || at >= size)
      throw n.error("index " + std::to_string(index.data<int32_t>()[0]) + " is out of range for " +
                    std::to_string(size));
    // The entry as a Slice; the axis it leaves, of size 1, drops out of the view.
    BatchLayout layout =
        sliceOf(n, input, layoutOf(input), engineAxis, at, at + 1, n.output() + "/slice");
    const int64_t rank = static_cast<int64_t>(layout.groups.size());
    layout.groups.erase(layout.groups.begin() + (axis < 0 ? axis + rank : axis));
    keep(n.output(), layout);
  }

  // Squeeze removes ONNX axes of size 1 from the view; Unsqueeze is the Reshape that adds them.
  void squeezeLayout(const ImportedNode& n, const std::string& input, std::vector<int64_t> axes,
                     bool unsqueeze) {
    BatchLayout layout = m_layouts.at(input);
    std::vector<SymbolicDim> shape = layout.onnxShape();
    const int64_t rank = static_cast<int64_t>(shape.size() + (unsqueeze ? axes.size() : 0));
    auto sizeOne = [](SymbolicDim d) { return d.batch == 0 && d.value == 1; };
    if (axes.empty())
      for (int64_t a = 0; a < rank; ++a)
        if (sizeOne(shape[a])) axes.push_back(a);
    for (auto& a : axes) a = a < 0 ? a + rank : a;
    std::sort(axes.begin(), axes.end());
    if (unsqueeze) {
      for (int64_t a : axes)
        shape.insert(shape.begin() + std::min<int64_t>(a, shape.size()), {0, 1});
      reshapeLayout(n, input, shape);
      return;
    }
    for (auto it = axes.rbegin(); it != axes.rend(); ++it) {
      if (*it < 0 || *it >= rank || !sizeOne(shape[*it]))
        throw n.error("axis " + std::to_string(*it) + " is out of range or not of size 1");
      layout.groups.erase(layout.groups.begin() + *it);
    }
    keep(n.output(), layout);
  }

  // Entries 0 (the input's dimension) and -1 (what the rest leaves) of a target shape spelled
  // out.
  std::vector<SymbolicDim> explicitTarget(const ImportedNode& n, const std::string& input,
                                          std::vector<SymbolicDim> target) const {
    const std::vector<SymbolicDim> shape = onnxShapeOf(input);
    SymbolicDim total{0, 1}, known{0, 1};
    std::optional<size_t> rest;
    try {
      for (const SymbolicDim& d : shape) total = product(total, d);
      for (size_t i = 0; i < target.size(); ++i) {
        if (target[i].batch == 0 && target[i].value == 0) {
          if (i >= shape.size())
            throw n.error("entry " + std::to_string(i) + " copies a missing dimension");
          target[i] = shape[i];
        }
        if (target[i].batch == 0 && target[i].value == -1)
          rest = i;
        else
          known = product(known, target[i]);
      }
    } catch (const Error& e) {
      throw n.error(e.what());
    }
    if (rest) {
      const std::optional<SymbolicDim> inferred = quotient(total, known);
      if (!inferred) throw n.error("the target shape's -1 entry does not divide the input");
      target[*rest] = *inferred;
    }
    return target;
  }

  // A Reshape that moves or merges the batch, or of a value whose batch is not alone on axis 0:
  // a change of the view (onnx_batch_layout.h).
  void reshapeLayout(const ImportedNode& n, const std::string& input,
                     const std::vector<SymbolicDim>& target) {
    if (!m_layouts.count(input)) value(n, 0);  // a computed value, not a constant
    try {
      keep(n.output(), applied(reshapedLayout(layoutOf(input), target), n.output(), "/split"));
    } catch (const Error& e) {
      throw n.error(e.what());
    }
  }

  // A Reshape to a constant shape or to one computed from shapes (`x.view(B, T, h, -1)`); its
  // first entry must be the batch (N, 0 or -1), a 0 elsewhere copies the input's dimension.
  void reshape(const ImportedNode& n) {
    std::vector<SymbolicDim> target;
    if (const auto* folded = m_shapeArithmetic.find(n.input(1))) {
      target = *folded;
    } else {
      const Tensor& shape = constant(n, 1);
      for (int64_t i = 0; i < shape.numel(); ++i) target.push_back({0, shape.data<int32_t>()[i]});
    }
    const std::string input = resolve(n.input(0));
    const bool batchFirst =
        !target.empty() &&
        ((target[0].batch == 1 && target[0].value == 0) ||
         (target[0].batch == 0 && target[0].value <= 0)) &&
        std::all_of(target.begin() + 1, target.end(), [](SymbolicDim d) { return d.batch == 0; });
    if (!batchFirst || m_layouts.count(input)) {
      reshapeLayout(n, input, explicitTarget(n, input, target));
      return;
    }
    std::vector<int64_t> dims;
    Shape inputShape;
    for (size_t i = 1; i < target.size(); ++i) {
      int64_t d = target[i].value;
      if (d == 0) {
        if (inputShape.empty()) inputShape = shapeOf(input);
        if (i >= inputShape.size())
          throw n.error("entry " + std::to_string(i) + " copies a missing dimension");
        d = inputShape[i];
      }
      dims.push_back(d);
    }
    add(n, "Reshape", {value(n, 0)}, {{"shape", dims}});
  }

  void translate(const ImportedNode& n) {
    const std::string& op = n.proto().op_type();
    const std::string out = n.output();
    auto shape = [&](const std::string& v) {
      try {
        return onnxShapeOf(v);
      } catch (const Error& e) {
        throw n.error(e.what());
      }
    };
    if (foldConstant(n) || m_shapeArithmetic.fold(n, m_constants, shape) || onLayout(n)) return;
    if (op == "Identity" && m_constants.count(n.input(0))) {
      m_constants[out] = m_constants.at(n.input(0));  // PyTorch shares equal initializers so
    } else if (op == "Identity" || op == "Dropout" || op == "Cast") {
      // Cast of a computed value: the engine's values are floats (token ids too).
      alias(out, n.input(0), &n);
    } else if (op == "Pad") {
      // PyTorch writes a Pad of zeros before some average pools; only that form is accepted.
      const Tensor& pads = constant(n, 1);
      for (int64_t i = 0; i < pads.numel(); ++i)
        if (pads.data<int32_t>()[i] != 0) throw n.error("only a Pad of zeros is supported");
      alias(out, n.input(0), &n);
    } else if (op == "QuantizeLinear" || op == "DequantizeLinear") {
      qdq(n);
    } else if (op == "Constant") {
      for (const auto& a : n.proto().attribute())
        if (a.name() == "value") m_constants[out] = toTensor(a.t(), m_path + ": " + n.name());
      if (!m_constants.count(out)) throw n.error("only the 'value' form of Constant is supported");
    } else if (op == "Gemm" || (op == "MatMul" && m_constants.count(n.input(1)))) {
      linear(n, value(n, 0), out);
    } else if (op == "Conv") {
      const Tensor& w = constant(n, 1);
      if (w.shape().size() != 4) throw n.error("only 2-D convolutions are supported");
      m_weights[out + ".weight"] = w;
      if (auto scales = m_qdq.weightScales(n.input(1), 0, w.shape()[0]))
        m_int8Layers[out] = *scales;
      const bool bias = n.proto().input_size() > 2;
      if (bias) m_weights[out + ".bias"] = constant(n, 2);
      add(n, "Conv2d", {value(n, 0)},
          {{"out_channels", w.shape()[0]},
           {"kernel", {w.shape()[2], w.shape()[3]}},
           {"stride", pairOf(n, "strides", 1)},
           {"padding", symmetricPads(n)},
           {"dilation", pairOf(n, "dilations", 1)},
           {"groups", n.integer("group", 1)},
           {"bias", bias}});
    } else if (op == "BatchNormalization") {
      const char* suffixes[] = {"weight", "bias", "running_mean", "running_var"};
      for (int i = 0; i < 4; ++i) m_weights[out + "." + suffixes[i]] = constant(n, i + 1);
      add(n, "BatchNorm2d", {value(n, 0)},
          {{"eps", n.number("epsilon", 1e-5f)}, {"momentum", 1.0 - n.number("momentum", 0.9f)}});
    } else if (op == "Div" && decomposedLayerNorm(n)) {
    } else if ((op == "Mul" || op == "Add") && layerNormAffine(n)) {
    } else if (op == "Mul" && gatedActivation(n)) {
    } else if (op == "Div" || op == "Erf" || op == "Mul" || (op == "Add" && gelu(n, 0))) {
      geluStep(n);
    } else if (op == "ReduceMean" || op == "ReduceSum") {
      // Axes: an attribute, or since ReduceSum-13 a constant input.
      std::vector<int64_t> axes = n.integers("axes", {});
      if (n.proto().input_size() > 1 && !n.input(1).empty()) {
        const Tensor& t = constant(n, 1);
        axes.assign(t.data<int32_t>(), t.data<int32_t>() + t.numel());
      }
      if (axes.empty())
        throw n.error("a reduction over every axis (the batch too) is not supported");
      add(n, op, {value(n, 0)}, {{"axes", axes}, {"keepdims", n.integer("keepdims", 1) != 0}});
    } else if (op == "Sub") {
      add(n, "Sub", {value(n, 0), value(n, 1)});
    } else if (op == "Relu" || op == "Sigmoid" || op == "Tanh") {
      add(n, op == "Relu" ? "ReLU" : op, {value(n, 0)});
    } else if (op == "LeakyRelu") {
      add(n, "LeakyReLU", {value(n, 0)}, {{"negative_slope", n.number("alpha", 0.01f)}});
    } else if (op == "HardSigmoid") {
      add(n, "HardSigmoid", {value(n, 0)},
          {{"alpha", n.number("alpha", 0.2f)}, {"beta", n.number("beta", 0.5f)}});
    } else if (op == "Sqrt") {
      add(n, "Sqrt", {value(n, 0)});
    } else if (op == "Pow") {
      const Tensor& exponent = constant(n, 1);
      if (exponent.numel() != 1 || exponent.dtype() != DType::f32)
        throw n.error("only a constant float exponent is supported");
      add(n, "Pow", {value(n, 0)}, {{"exponent", exponent.data<float>()[0]}});
    } else if (op == "HardSwish") {
      add(n, "Hardswish", {value(n, 0)});
    } else if (op == "LayerNormalization") {
      layerNorm(n);
    } else if (op == "Clip") {
      clip(n);
    } else if (op == "MaxPool" || op == "AveragePool") {
      if (n.integer("ceil_mode", 0) != 0) throw n.error("ceil_mode = 1 is not supported");
      if (n.integers("dilations", {1, 1}) != std::vector<int64_t>{1, 1})
        throw n.error("dilated pooling is not supported");
      nlohmann::json attrs = {{"kernel", pairOf(n, "kernel_shape", 1)},
                              {"stride", pairOf(n, "strides", 1)},
                              {"padding", symmetricPads(n)}};
      if (op == "AveragePool") attrs["count_include_pad"] = n.integer("count_include_pad", 0) != 0;
      add(n, op == "MaxPool" ? "MaxPool2d" : "AvgPool2d", {value(n, 0)}, attrs);
    } else if (op == "GlobalAveragePool") {
      // ONNX keeps (N, C, 1, 1); the engine's GlobalAvgPool gives (N, C).
      add(n, "GlobalAvgPool", {value(n, 0)}, nlohmann::json::object(), out + "/pooled");
      add(n, "Reshape", {out + "/pooled"}, {{"shape", {-1, 1, 1}}});
    } else if (op == "Flatten") {
      if (n.integer("axis", 1) != 1) throw n.error("only axis = 1 is supported");
      add(n, "Flatten", {value(n, 0)});
    } else if (op == "Reshape") {
      reshape(n);
    } else if (op == "Transpose" && m_constants.count(n.input(0))) {
      m_constants[out] = transposed(n, m_constants.at(n.input(0)));
    } else if (op == "Transpose") {
      const std::vector<int64_t> perm = n.integers("perm", {});
      if (perm.empty())
        throw n.error("a Transpose without perm (reversing the batch) is not supported");
      const std::string input = resolve(n.input(0));
      if (perm[0] == 0 && !m_layouts.count(input)) {
        add(n, "Transpose", {value(n, 0)}, {{"perm", perm}});
      } else {  // moves the batch, or rearranges a view: the view changes
        if (!m_layouts.count(input)) value(n, 0);
        try {
          keep(out, layoutOf(input).transposed(perm));
        } catch (const Error& e) {
          throw n.error(e.what());
        }
      }
    } else if (op == "Split") {
      split(n);
    } else if (op == "Slice") {
      slice(n);
    } else if (op == "Squeeze" || op == "Unsqueeze") {
      squeeze(n);
    } else if (op == "Gather") {
      gather(n);
    } else if (op == "MatMul") {
      add(n, "MatMul", {value(n, 0), value(n, 1)});
    } else if (op == "Add" && linearBias(n)) {
    } else if (op == "Add" && addedConstant(n)) {
    } else if (op == "Add" || op == "Sum" || op == "Concat") {
      std::vector<std::string> inputs;
      for (int i = 0; i < n.proto().input_size(); ++i) inputs.push_back(value(n, i));
      if (op != "Concat") {
        add(n, "Add", inputs);
      } else {
        add(n, "Concat", inputs, {{"axis", axisAfterBatch(n, n.integer("axis", 1), 0)}});
      }
    } else if (op == "Softmax" || op == "LogSoftmax") {
      // Before opset 13 the op flattens the input from its axis on (default 1): the same only
      // where that axis is the last, checked once shapes are known.
      const int64_t axis = n.integer("axis", m_opset < 13 ? 1 : -1);
      if (axis == 0) throw n.error("axis 0 (the batch) is not supported");
      if (m_opset < 13 && axis != -1) m_flatteningSoftmax[out] = axis;
      add(n, op, {value(n, 0)}, {{"axis", axis}});
    } else {
      throw n.error("unsupported op");
    }
  }

  // QuantizeLinear and DequantizeLinear (io/onnx_qdq.h): constants dequantized now, a
  // quantize-dequantize pair the value it quantizes, with its range recorded; the range of a
  // ReLU's, ReLU6's or GELU's output is its input's too, since int8 inference fuses it into its
  // producer (whose output then holds it).
  void qdq(const ImportedNode& n) {
    if (m_constants.count(n.input(0))) {
      if (n.proto().op_type() == "QuantizeLinear")
        throw n.error("a QuantizeLinear of a constant is not supported");
      m_constants[n.output()] = m_qdq.dequantizeConstant(n, m_constants);
      return;
    }
    if (n.proto().op_type() == "QuantizeLinear") {
      value(n, 0);  // a computed value
      m_qdq.quantize(n, m_constants);
      return;
    }
    const std::optional<QdqReader::Quantized> quantized = m_qdq.dequantizeQuantized(n, m_constants);
    if (!quantized)
      throw n.error("only a DequantizeLinear of a constant or of a QuantizeLinear is supported");
    const std::string input = resolve(quantized->value);
    alias(n.output(), input, &n);
    m_ranges[input] = quantized->range;
    if (const NodeSpec* producer = emittedNode(input);
        producer && (producer->op == "ReLU" || producer->op == "ReLU6" || producer->op == "GELU"))
      m_ranges[producer->inputs[0]] = quantized->range;
  }

  // Ops along one axis of a value held as a view (onnx_batch_layout.h), run on its engine value:
  // a Linear, a MatMul of two views batched alike, a Scale, a Softmax. False for any other node.
  bool onLayout(const ImportedNode& n) {
    const std::string& op = n.proto().op_type();
    auto viewed = [&](int i) {
      return n.proto().input_size() > i && m_layouts.count(resolve(n.input(i))) > 0;
    };
    if (!viewed(0) && !(op == "MatMul" && viewed(1))) return false;
    const std::string input = resolve(n.input(0));
    // The node's output: the input's view of the new engine value `name`.
    auto result = [&](BatchLayout layout, int64_t axis, SymbolicDim size, const std::string& name) {
      layout.engine = name;
      if (axis >= 0) layout.sizes[axis] = size;
      keep(n.output(), layout);
      return true;
    };
    if (op == "Gemm" || (op == "MatMul" && m_constants.count(n.input(1)))) {
      const BatchLayout& layout = normalised(input);
      const std::optional<int64_t> axis = layout.soleAxis(-1);
      if (!axis) throw n.error("its last axis holds the batch or merges it");
      const std::string name = engineName(n.output(), layout);
      const int64_t features = linear(n, layout.engine, name);
      return result(layout, *axis, {0, features}, name);
    }
    if (op == "MatMul") {
      const BatchLayout a = viewed(0) ? normalised(input) : layoutOf(value(n, 0));
      const BatchLayout b = viewed(1) ? normalised(resolve(n.input(1))) : layoutOf(value(n, 1));
      const size_t rank = a.groups.size();
      bool alike = rank >= 3 && b.groups.size() == rank && a.soleAxis(-1) && a.soleAxis(-2) &&
                   b.soleAxis(-1) && b.soleAxis(-2);
      for (size_t i = 0; alike && i + 2 < rank; ++i) {
        alike = a.groups[i] == b.groups[i];
        for (int64_t axis : a.groups[i])
          alike = alike && a.sizes[axis].batch == b.sizes[axis].batch &&
                  a.sizes[axis].value == b.sizes[axis].value;
      }
      if (!alike)
        throw n.error("its inputs' batch and leading axes are not laid out alike: " +
                      std::string(kBatchMoved));
      const std::string name = engineName(n.output(), a);
      add(n, "MatMul", {a.engine, b.engine}, nlohmann::json::object(), name);
      return result(a, *a.soleAxis(-1), b.sizes[*b.soleAxis(-1)], name);
    }
    if (const std::optional<float> factor = scalarFactor(n)) {
      const BatchLayout& layout = m_layouts.at(input);
      const std::string name = engineName(n.output(), layout);
      add(n, "Scale", {layout.engine}, {{"factor", *factor}}, name);
      return result(layout, -1, {}, name);
    }
    if (op == "Softmax" || op == "LogSoftmax") {
      const BatchLayout& layout = m_layouts.at(input);
      const int64_t rank = static_cast<int64_t>(layout.groups.size());
      const int64_t axis = n.integer("axis", m_opset < 13 ? 1 : -1);
      const std::optional<int64_t> engineAxis = layout.soleAxis(axis);
      if (!engineAxis || (m_opset < 13 && axis != -1 && axis != rank - 1))
        throw n.error("axis " + std::to_string(axis) +
                      " holds the batch or merges several axes (or, before opset 13, is not "
                      "the last)");
      const std::string name = engineName(n.output(), layout);
      add(n, op, {layout.engine}, {{"axis", *engineAxis}}, name);
      return result(layout, -1, {}, name);
    }
    return false;
  }

  // Gemm, or MatMul by a constant: a Linear of engine value `input` over its last axis, named
  // `out`. Returns its out_features.
  int64_t linear(const ImportedNode& n, const std::string& input, const std::string& out) {
    const std::string& op = n.proto().op_type();
    if (n.integer("transA", 0) != 0) throw n.error("transA = 1 is not supported");
    if (n.number("alpha", 1.f) != 1.f || n.number("beta", 1.f) != 1.f)
      throw n.error("alpha and beta other than 1 are not supported");
    const Tensor& b = constant(n, 1);
    if (b.shape().size() != 2) throw n.error("the weight must be 2-D");
    const bool transposed = op == "Gemm" && n.integer("transB", 0) == 1;
    const int64_t outFeatures = transposed ? b.shape()[0] : b.shape()[1];
    const int64_t inFeatures = transposed ? b.shape()[1] : b.shape()[0];
    Tensor w({outFeatures, inFeatures}, DType::f32);
    for (int64_t o = 0; o < outFeatures; ++o)
      for (int64_t i = 0; i < inFeatures; ++i)
        w.data<float>()[o * inFeatures + i] =
            transposed ? b.data<float>()[o * inFeatures + i] : b.data<float>()[i * outFeatures + o];
    m_weights[out + ".weight"] = w;
    if (auto scales = m_qdq.weightScales(n.input(1), transposed ? 0 : 1, outFeatures))
      m_int8Layers[out] = *scales;
    const bool bias = op == "Gemm" && n.proto().input_size() > 2;
    if (bias) {
      const Tensor& c = constant(n, 2);
      if (c.numel() != outFeatures) throw n.error("the bias must have one value per output");
      m_weights[out + ".bias"] = Tensor({outFeatures}, DType::f32);
      std::memcpy(m_weights[out + ".bias"].raw(), c.raw(), c.bytes());
    }
    add(n, "Linear", {input}, {{"out_features", outFeatures}, {"bias", bias}}, out);
    return outFeatures;
  }

  // LayerNormalization over the last axis, with its scale and (optional) bias as constants.
  void layerNorm(const ImportedNode& n) {
    if (n.integer("axis", -1) != -1) throw n.error("only axis = -1 (the last) is supported");
    const std::string out = n.output();
    const Tensor& scale = constant(n, 1);
    if (scale.shape().size() != 1) throw n.error("the scale must be 1-D (the last axis)");
    m_weights[out + ".weight"] = scale;
    if (n.proto().input_size() > 2 && !n.input(2).empty()) {
      m_weights[out + ".bias"] = constant(n, 2);
    } else {
      m_weights[out + ".bias"] = Tensor(scale.shape(), DType::f32);  // zeros
    }
    add(n, "LayerNorm", {value(n, 0)}, {{"eps", n.number("epsilon", 1e-5f)}});
  }

  // The node already emitted under `name`, or null. Folds below rewrite it in place.
  NodeSpec* emittedNode(const std::string& name) {
    auto it = std::find_if(m_spec.nodes.begin(), m_spec.nodes.end(),
                           [&](const NodeSpec& s) { return s.name == name; });
    return it == m_spec.nodes.end() ? nullptr : &*it;
  }

  // A folded node takes the name of the ONNX node that absorbed it, whose readers read it.
  void renameTo(NodeSpec& node, const std::string& name) {
    std::string engine = name;
    for (auto it = m_layouts.begin(); it != m_layouts.end(); ++it) {
      if (it->second.engine != node.name) continue;
      BatchLayout layout = it->second;  // a view of the node: it moves to the new name
      m_layouts.erase(it);
      engine = layout.engine = engineName(name, layout);
      m_layouts[name] = layout;
      break;
    }
    if (auto it = m_int8Layers.find(node.name); it != m_int8Layers.end()) {
      m_int8Layers[engine] = it->second;
      m_int8Layers.erase(node.name);
    }
    node.name = engine;
    m_produced.insert(engine);
  }

  // LayerNorm as PyTorch writes it before opset 17: d = x - mean(x), d / sqrt(mean(d^2) + eps)
  // over the last axis, each step read once; its scale and shift follow as Mul and Add
  // (layerNormAffine). Recognised at the Div, which becomes a LayerNorm of x.
  bool decomposedLayerNorm(const ImportedNode& n) {
    auto producer = [&](const std::string& name, const char* op) -> NodeSpec* {
      NodeSpec* node = emittedNode(resolve(name));
      return node && node->op == op && m_readers[name] <= 2 ? node : nullptr;
    };
    auto lastAxisMean = [](const NodeSpec* node) {
      return node && node->attrs["axes"] == nlohmann::json::array({-1}) &&
             node->attrs["keepdims"].get<bool>();
    };
    NodeSpec* root = producer(n.input(1), "Sqrt");
    NodeSpec* eps = root ? producer(root->inputs[0], "Bias") : nullptr;
    NodeSpec* variance = eps ? producer(eps->inputs[0], "ReduceMean") : nullptr;
    NodeSpec* square = lastAxisMean(variance) ? producer(variance->inputs[0], "Pow") : nullptr;
    NodeSpec* centred = square && square->attrs["exponent"].get<float>() == 2.f &&
                                square->inputs[0] == resolve(n.input(0))
                            ? producer(n.input(0), "Sub")
                            : nullptr;
    NodeSpec* mean = centred ? producer(centred->inputs[1], "ReduceMean") : nullptr;
    if (!lastAxisMean(mean) || mean->inputs[0] != centred->inputs[0] ||
        m_weights.at(eps->name + ".bias").numel() != 1)
      return false;
    const std::string x = centred->inputs[0];
    const float epsilon = m_weights.at(eps->name + ".bias").data<float>()[0];
    m_weights.erase(eps->name + ".bias");
    const std::set<std::string> folded{root->name,   eps->name,     variance->name,
                                       square->name, centred->name, mean->name};
    std::erase_if(m_spec.nodes, [&](const NodeSpec& s) { return folded.count(s.name) > 0; });
    const int64_t features = shapeOf(x).back();
    Tensor ones({features}, DType::f32);
    std::fill(ones.data<float>(), ones.data<float>() + features, 1.f);
    m_weights[n.output() + ".weight"] = ones;
    m_weights[n.output() + ".bias"] = Tensor({features}, DType::f32);  // zeros
    add(n, "LayerNorm", {x}, {{"eps", epsilon}});
    return true;
  }

  // The Mul by a scale and the Add of a shift that follow a LayerNorm (decomposedLayerNorm's):
  // folded into its weight and bias while they are still 1 and 0.
  bool layerNormAffine(const ImportedNode& n) {
    if (n.proto().input_size() != 2) return false;
    const bool scale = n.proto().op_type() == "Mul";
    for (int c = 0; c < 2; ++c) {
      auto constant = m_constants.find(n.input(c));
      NodeSpec* node = emittedNode(resolve(n.input(1 - c)));
      if (constant == m_constants.end() || !node || node->op != "LayerNorm" ||
          m_readers[n.input(1 - c)] != 1)
        continue;
      Tensor& target = m_weights.at(node->name + (scale ? ".weight" : ".bias"));
      const float untouched = scale ? 1.f : 0.f;
      if (constant->second.numel() != target.numel() || constant->second.dtype() != DType::f32 ||
          std::any_of(target.data<float>(), target.data<float>() + target.numel(),
                      [&](float v) { return v != untouched; }))
        continue;
      std::copy_n(constant->second.data<float>(), target.numel(), target.data<float>());
      for (const char* suffix : {".weight", ".bias"}) {
        m_weights[n.output() + suffix] = m_weights.at(node->name + suffix);
        m_weights.erase(node->name + suffix);
      }
      renameTo(*node, n.output());
      return true;
    }
    return false;
  }

  // A 2-D constant transposed (a weight written as Transpose + MatMul).
  static Tensor transposed(const ImportedNode& n, const Tensor& t) {
    if (t.shape().size() != 2 || t.dtype() != DType::f32 ||
        n.integers("perm", {1, 0}) != std::vector<int64_t>{1, 0})
      throw n.error("only the transpose of a 2-D float constant is supported");
    const int64_t rows = t.shape()[0], cols = t.shape()[1];
    Tensor out({cols, rows}, DType::f32);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < cols; ++c)
        out.data<float>()[c * rows + r] = t.data<float>()[r * cols + c];
    return out;
  }

  // MatMul + Add of a constant vector is a Linear on more than two dimensions as PyTorch writes
  // it: the bias joins the Linear node, renamed to the Add's output.
  bool linearBias(const ImportedNode& n) {
    if (n.proto().input_size() != 2) return false;
    for (int b = 0; b < 2; ++b) {
      auto constant = m_constants.find(n.input(b));
      const std::string product = engineOf(resolve(n.input(1 - b)));
      NodeSpec* node = emittedNode(product);
      if (constant == m_constants.end() || !node || node->op != "Linear" ||
          node->attrs["bias"].get<bool>() || m_readers[n.input(1 - b)] != 1 ||
          constant->second.numel() != node->attrs["out_features"].get<int64_t>())
        continue;
      node->attrs["bias"] = true;
      renameTo(*node, n.output());
      m_weights[node->name + ".weight"] = m_weights.at(product + ".weight");
      m_weights.erase(product + ".weight");
      Tensor& bias = m_weights[node->name + ".bias"] =
          Tensor({constant->second.numel()}, DType::f32);
      std::memcpy(bias.raw(), constant->second.raw(), constant->second.bytes());
      return true;
    }
    return false;
  }

  // x * c, c * x and x / c for one float constant c: the factor Scale multiplies by (a
  // division stays exact as a multiplication only up to rounding: 1e-7 relative).
  std::optional<float> scalarFactor(const ImportedNode& n) const {
    const std::string& op = n.proto().op_type();
    if ((op != "Mul" && op != "Div") || n.proto().input_size() != 2) return std::nullopt;
    const int c = m_constants.count(n.input(1)) ? 1 : 0;
    auto constant = m_constants.find(n.input(c));
    if ((op == "Div" && c != 1) || constant == m_constants.end()) return std::nullopt;
    const Tensor& t = constant->second;
    if (t.numel() != 1 || t.dtype() != DType::f32) return std::nullopt;
    return op == "Mul" ? t.data<float>()[0] : 1.f / t.data<float>()[0];
  }

  // x + C for a float constant C (a positional embedding, a per-channel offset): a Bias holding
  // C, which broadcasts like ONNX's Add.
  bool addedConstant(const ImportedNode& n) {
    if (n.proto().input_size() != 2) return false;
    const int c = m_constants.count(n.input(1)) ? 1 : m_constants.count(n.input(0)) ? 0 : -1;
    if (c < 0) return false;
    const Tensor& t = m_constants.at(n.input(c));
    if (t.dtype() != DType::f32) throw n.error("only a float constant can be added");
    m_weights[n.output() + ".bias"] = t;
    add(n, "Bias", {value(n, 1 - c)}, {{"shape", t.shape()}});
    return true;
  }

  // Clip's bounds: attributes before opset 11, optional constant inputs since; absent is
  // unbounded. Clip(0, 6) is ReLU6.
  void clip(const ImportedNode& n) {
    float lo = n.number("min", std::numeric_limits<float>::lowest());
    float hi = n.number("max", std::numeric_limits<float>::max());
    auto bound = [&](int input, float& v) {
      if (n.proto().input_size() <= input || n.input(input).empty()) return;
      const Tensor& t = constant(n, input);
      if (t.numel() != 1 || t.dtype() != DType::f32) throw n.error("a bound must be one float");
      v = t.data<float>()[0];
    };
    bound(1, lo);
    bound(2, hi);
    if (lo == 0.f && hi == 6.f)
      add(n, "ReLU6", {value(n, 0)});
    else
      add(n, "Clip", {value(n, 0)}, {{"min", lo}, {"max", hi}});
  }

  // x * Sigmoid(x) is SiLU and x * HardSigmoid(x; 1/6, 1/2) is Hardswish, as PyTorch writes
  // them before opset 14: the gate node, read only by this Mul, becomes the activation.
  bool gatedActivation(const ImportedNode& n) {
    for (int g = 0; g < 2 && g < n.proto().input_size(); ++g) {
      const std::string gate = resolve(n.input(g));
      NodeSpec* node = emittedNode(gate);
      if (!node || m_readers[n.input(g)] != 1 || n.proto().input_size() != 2 ||
          node->inputs[0] != resolve(n.input(1 - g)))
        continue;
      const bool pytorchHardSigmoid =
          node->op == "HardSigmoid" &&
          std::abs(node->attrs["alpha"].get<float>() - 1.f / 6) < 1e-6f &&
          node->attrs["beta"].get<float>() == 0.5f;
      if (node->op != "Sigmoid" && !pytorchHardSigmoid) continue;
      node->op = node->op == "Sigmoid" ? "SiLU" : "Hardswish";
      node->attrs = nlohmann::json::object();
      renameTo(*node, n.output());
      return true;
    }
    return false;
  }

  // GELU arrives in its erf form, five nodes: x / sqrt(2) -> Erf -> + 1 -> x * . -> * 0.5.
  // Each step records how far along the pattern its output is; the last one emits GELU.
  struct GeluStage {
    std::string x;
    int stage;
  };
  const GeluStage* gelu(const ImportedNode& n, int input) const {
    if (n.proto().input_size() <= input) return nullptr;
    auto it = m_gelu.find(n.input(input));
    return it == m_gelu.end() ? nullptr : &it->second;
  }
  bool isConstant(const ImportedNode& n, int input, float value) const {
    auto it = m_constants.find(n.input(input));
    return it != m_constants.end() && it->second.numel() == 1 && it->second.dtype() == DType::f32 &&
           std::abs(it->second.data<float>()[0] - value) < 1e-5f * std::max(1.f, value);
  }
  void geluStep(const ImportedNode& n) {
    const std::string& op = n.proto().op_type();
    const std::string out = n.output();
    const GeluStage* a = gelu(n, 0);
    const GeluStage* b = gelu(n, 1);
    if (op == "Div" && isConstant(n, 1, 1.41421356f)) {
      m_gelu[out] = {value(n, 0), 1};
    } else if (op == "Erf" && a && a->stage == 1) {
      m_gelu[out] = {a->x, 2};
    } else if (op == "Add" && a && a->stage == 2 && isConstant(n, 1, 1.f)) {
      m_gelu[out] = {a->x, 3};
    } else if (op == "Mul" && ((a && a->stage == 3 && resolve(n.input(1)) == a->x) ||
                               (b && b->stage == 3 && resolve(n.input(0)) == b->x))) {
      m_gelu[out] = {(a && a->stage == 3) ? a->x : b->x, 4};
    } else if (op == "Mul" && a && a->stage == 4 && isConstant(n, 1, 0.5f)) {
      add(n, "GELU", {a->x});
    } else if (op != "Erf" && !m_constants.count(n.input(0)) && !m_constants.count(n.input(1))) {
      add(n, op, {value(n, 0), value(n, 1)});  // Mul or Div of two computed values
    } else if (const std::optional<float> factor = scalarFactor(n)) {
      add(n, "Scale", {value(n, m_constants.count(n.input(0)) ? 1 : 0)}, {{"factor", *factor}});
    } else {
      throw n.error(
          "unsupported op (only between two computed values, or as part of GELU's "
          "erf form)");
    }
  }

  std::map<std::string, GeluStage> m_gelu;
  QdqReader m_qdq;
  std::map<std::string, std::vector<float>> m_int8Layers;  // node -> weight scales (QDQ)
  std::map<std::string, ActivationRange> m_ranges;         // value -> range (QDQ)
  ShapeArithmetic m_shapeArithmetic;
  // ONNX values whose batch is not alone on axis 0, as views of engine values.
  std::map<std::string, BatchLayout> m_layouts;
  std::map<std::string, int> m_readers;                // ONNX value -> nodes and outputs reading it
  int64_t m_opset = 13;                                // of the default domain
  std::map<std::string, int64_t> m_flatteningSoftmax;  // node -> axis, opset < 13
  std::string m_path;
  ModelSpec m_spec;
  std::map<std::string, Tensor> m_constants, m_weights;
  std::map<std::string, std::string> m_aliases;
  std::set<std::string> m_produced;
};
}  // namespace

ModelFile importOnnx(const std::string& path) { return Importer(path).run(); }

}  // namespace twb
