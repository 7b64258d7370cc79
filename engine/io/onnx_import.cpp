#include "io/onnx_import.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <set>
#include <sstream>

#include "core/error.h"
#include "graph/graph.h"
#include "io/onnx_imported_node.h"
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
    for (size_t i = 0; i < v.size(); ++i) out.data<int32_t>()[i] = static_cast<int32_t>(v[i]);
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
    const onnx::GraphProto& g = model.graph();
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
      const std::string name = resolve(output.name());
      if (!m_produced.count(name))
        throw Error(m_path + ": graph output '" + output.name() + "' is not produced by any node");
      m_spec.outputs.push_back(name);
    }
    ModelFile file{m_spec, {}, std::nullopt, {}};
    try {
      const Graph graph = Graph::build(m_spec, 1);
      for (const auto& [name, axis] : m_flatteningSoftmax)
        if (axis + 1 != static_cast<int64_t>(graph.values()[graph.valueIndex(name)].shape.size()))
          throw Error("node '" + name + "': a softmax before opset 13 over axis " +
                      std::to_string(axis) + " that is not the last is not supported");
      file.params.ensure(graph, 0);
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

  std::string value(const ImportedNode& n, int input) const {
    const std::string name = resolve(n.input(input));
    if (m_constants.count(name))
      throw n.error("input '" + name + "' is a constant; the engine needs a computed value");
    if (m_shapeArithmetic.find(name))
      throw n.error("input '" + name + "' is computed from shapes; only a Reshape may read it");
    return name;
  }

  // The shape of a value translated so far, batch first.
  Shape shapeOf(const std::string& onnxName) const {
    const std::string name = resolve(onnxName);
    ModelSpec probe = m_spec;
    probe.outputs = {name};
    const Graph graph = Graph::build(probe, 1);
    return graph.values()[graph.valueIndex(name)].shape;
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
    const bool batchFirst = !target.empty() && ((target[0].batch == 1 && target[0].value == 0) ||
                                                (target[0].batch == 0 && target[0].value <= 0));
    if (!batchFirst)
      throw n.error(
          "the target shape must keep the batch first (N, 0 or -1), as the engine's "
          "values do");
    std::vector<int64_t> dims;
    Shape input;
    for (size_t i = 1; i < target.size(); ++i) {
      if (target[i].batch != 0)
        throw n.error("entry " + std::to_string(i) + " of the target shape depends on the batch");
      int64_t d = target[i].value;
      if (d == 0) {
        if (input.empty()) input = shapeOf(n.input(0));
        if (i >= input.size())
          throw n.error("entry " + std::to_string(i) + " copies a missing dimension");
        d = input[i];
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
        return shapeOf(v);
      } catch (const Error& e) {
        throw n.error(e.what());
      }
    };
    if (m_shapeArithmetic.fold(n, m_constants, shape)) return;
    if (op == "Identity" || op == "Dropout") {
      m_aliases[out] = n.input(0);
    } else if (op == "Pad") {
      // PyTorch writes a Pad of zeros before some average pools; only that form is accepted.
      const Tensor& pads = constant(n, 1);
      for (int64_t i = 0; i < pads.numel(); ++i)
        if (pads.data<int32_t>()[i] != 0) throw n.error("only a Pad of zeros is supported");
      m_aliases[out] = n.input(0);
    } else if (op == "Constant") {
      for (const auto& a : n.proto().attribute())
        if (a.name() == "value") m_constants[out] = toTensor(a.t(), m_path + ": " + n.name());
      if (!m_constants.count(out)) throw n.error("only the 'value' form of Constant is supported");
    } else if (op == "Gemm" || (op == "MatMul" && m_constants.count(n.input(1)))) {  // a Linear
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
          w.data<float>()[o * inFeatures + i] = transposed ? b.data<float>()[o * inFeatures + i]
                                                           : b.data<float>()[i * outFeatures + o];
      m_weights[out + ".weight"] = w;
      const bool bias = op == "Gemm" && n.proto().input_size() > 2;
      if (bias) {
        const Tensor& c = constant(n, 2);
        if (c.numel() != outFeatures) throw n.error("the bias must have one value per output");
        m_weights[out + ".bias"] = Tensor({outFeatures}, DType::f32);
        std::memcpy(m_weights[out + ".bias"].raw(), c.raw(), c.bytes());
      }
      add(n, "Linear", {value(n, 0)}, {{"out_features", outFeatures}, {"bias", bias}});
    } else if (op == "Conv") {
      const Tensor& w = constant(n, 1);
      if (w.shape().size() != 4) throw n.error("only 2-D convolutions are supported");
      m_weights[out + ".weight"] = w;
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
      add(n, "Transpose", {value(n, 0)}, {{"perm", perm}});
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
        const int64_t axis = n.integer("axis", 1);
        if (axis < 1)
          throw n.error("axis " + std::to_string(axis) + " is not supported (use >= 1)");
        add(n, "Concat", inputs, {{"axis", axis}});
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
    node.name = name;
    m_produced.insert(name);
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
      const std::string product = resolve(n.input(1 - b));
      NodeSpec* node = emittedNode(product);
      if (constant == m_constants.end() || !node || node->op != "Linear" ||
          node->attrs["bias"].get<bool>() || m_readers[n.input(1 - b)] != 1 ||
          constant->second.numel() != node->attrs["out_features"].get<int64_t>())
        continue;
      m_weights[n.output() + ".weight"] = m_weights.at(product + ".weight");
      m_weights.erase(product + ".weight");
      m_weights[n.output() + ".bias"] = Tensor({constant->second.numel()}, DType::f32);
      std::memcpy(m_weights[n.output() + ".bias"].raw(), constant->second.raw(),
                  constant->second.bytes());
      node->attrs["bias"] = true;
      renameTo(*node, n.output());
      return true;
    }
    return false;
  }

  // x * c, c * x and x / c for one float constant c: the factor Scale multiplies by (a
  // division stays exact as a multiplication only up to rounding: 1e-7 relative).
  const float* scalarFactor(const ImportedNode& n) {
    const std::string& op = n.proto().op_type();
    if ((op != "Mul" && op != "Div") || n.proto().input_size() != 2) return nullptr;
    const int c = m_constants.count(n.input(1)) ? 1 : 0;
    if (op == "Div" && c != 1) return nullptr;
    const Tensor& t = m_constants.at(n.input(c));
    if (t.numel() != 1 || t.dtype() != DType::f32) return nullptr;
    m_factor = op == "Mul" ? t.data<float>()[0] : 1.f / t.data<float>()[0];
    return &m_factor;
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
    } else if (const float* factor = scalarFactor(n)) {
      add(n, "Scale", {value(n, m_constants.count(n.input(0)) ? 1 : 0)}, {{"factor", *factor}});
    } else {
      throw n.error(
          "unsupported op (only between two computed values, or as part of GELU's "
          "erf form)");
    }
  }

  std::map<std::string, GeluStage> m_gelu;
  float m_factor = 1;  // scalarFactor's result
  ShapeArithmetic m_shapeArithmetic;
  std::map<std::string, int> m_readers;
  int64_t m_opset = 13;                                // of the default domain
  std::map<std::string, int64_t> m_flatteningSoftmax;  // node -> axis, opset < 13  // ONNX value ->
                                                       // nodes and graph outputs reading it
  std::string m_path;
  ModelSpec m_spec;
  std::map<std::string, Tensor> m_constants, m_weights;
  std::map<std::string, std::string> m_aliases;
  std::set<std::string> m_produced;
};
}  // namespace

ModelFile importOnnx(const std::string& path) { return Importer(path).run(); }

}  // namespace twb
