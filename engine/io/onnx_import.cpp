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

#include "core/error.h"
#include "exec/int8_placement.h"
#include "graph/graph.h"
#include "io/onnx_batch_layout.h"
#include "io/onnx_external_data.h"
#include "io/onnx_imported_node.h"
#include "io/onnx_importer.h"
#include "io/onnx_qdq.h"
#include "io/onnx_shape_arithmetic.h"
#include "ops/op_registry.h"

namespace twb::onnx_import {

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

}  // namespace

Tensor toTensor(const onnx::TensorProto& t, const std::string& where) {
  const Shape shape(t.dims().begin(), t.dims().end());
  if (t.data_type() == onnx::TensorProto::FLOAT) {
    valueCount(t, t.float_data_size(), sizeof(float), where);
    Tensor out = Tensor::onFreshPages(shape, DType::f32);  // a weight: lives as long as the model
    if (!t.raw_data().empty())
      std::memcpy(out.raw(), t.raw_data().data(), out.bytes());
    else
      std::copy(t.float_data().begin(), t.float_data().end(), out.data<float>());
    return out;
  }
  if (t.data_type() == onnx::TensorProto::DOUBLE) {
    // Constants PyTorch writes as doubles before opset 9 (sizes computed as Python floats).
    const int64_t count = valueCount(t, t.double_data_size(), sizeof(double), where);
    std::vector<double> v(static_cast<size_t>(count));
    if (!t.raw_data().empty())
      std::memcpy(v.data(), t.raw_data().data(), v.size() * sizeof(double));
    else
      v.assign(t.double_data().begin(), t.double_data().end());
    Tensor out(shape, DType::f32);
    std::transform(v.begin(), v.end(), out.data<float>(),
                   [](double d) { return static_cast<float>(d); });
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
  if (t.data_type() == onnx::TensorProto::BOOL || t.data_type() == onnx::TensorProto::INT32) {
    // Masks and fills: one byte or four a value raw, else one int32_data entry each.
    const size_t size = t.data_type() == onnx::TensorProto::BOOL ? 1 : 4;
    valueCount(t, t.int32_data_size(), size, where);
    Tensor out(shape, DType::s32);
    for (int64_t i = 0; i < out.numel(); ++i) {
      int32_t v = 0;
      if (t.raw_data().empty())
        v = t.int32_data(static_cast<int>(i));
      else
        std::memcpy(&v, t.raw_data().data() + i * static_cast<int64_t>(size), size);
      out.data<int32_t>()[i] = size == 1 ? (v & 0xff) != 0 : v;
    }
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

namespace {

std::vector<int64_t> pairOf(const ImportedNode& n, const std::string& attr, int64_t fallback) {
  const auto v = n.integers(attr, {fallback, fallback});
  if (v.size() != 2) throw n.error("attribute " + attr + " must have 2 values (2-D only)");
  return v;
}

// ONNX pads are [top, left, bottom, right]; the engine pads both sides alike.
std::vector<int64_t> symmetricPads(const ImportedNode& n, const std::vector<int64_t>& p) {
  if (p.size() != 4 || p[0] != p[2] || p[1] != p[3])
    throw n.error("asymmetric pads are not supported");
  for (const auto& a : n.proto().attribute())
    if (a.name() == "auto_pad" && !a.s().empty() && a.s() != "NOTSET")
      throw n.error("auto_pad " + a.s() + " is not supported");
  return {p[0], p[1]};
}

// Windows of `kernel` at `stride` over `size` values padded `before` and `after`; in ceil mode as
// PyTorch counts them (the last window starts inside the values or the leading padding).
int64_t windowCount(int64_t size, int64_t kernel, int64_t stride, int64_t before, int64_t after,
                    bool ceil) {
  const int64_t span = size + before + after - kernel;
  if (span < 0 || stride < 1) return 0;
  int64_t count = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
  if (ceil && (count - 1) * stride >= size + before) --count;
  return count;
}

// Before opset 10 ONNX had no ceil mode: PyTorch writes a max pool in ceil mode as more padding
// at the end (SqueezeNet 1.1 of the ONNX model zoo). Whether `pads` ([top, left, bottom, right])
// over the (height, width) `image` are such: the same windows as ceil mode with the leading pads.
bool ceilModeAsEndPads(const std::vector<int64_t>& pads, const std::vector<int64_t>& kernel,
                       const std::vector<int64_t>& stride, const Shape& image) {
  if (pads.size() != 4 || kernel.size() != 2 || stride.size() != 2 || image.size() != 2)
    return false;
  for (size_t a = 0; a < 2; ++a) {
    const int64_t before = pads[a], after = pads[a + 2];
    if (after < before || kernel[a] < 1 || stride[a] < 1 ||
        windowCount(image[a], kernel[a], stride[a], before, after, false) !=
            windowCount(image[a], kernel[a], stride[a], before, before, true))
      return false;
  }
  return true;
}

// What the exporter kept of the training data (io/onnx_export.h); nothing in a model made
// elsewhere.
DatasetInfo datasetOf(const onnx::ModelProto& model, const std::string& path) {
  for (const auto& entry : model.metadata_props()) {
    if (entry.key() != kOnnxDatasetKey) continue;
    const std::string where = path + ": metadata_props '" + kOnnxDatasetKey + "'";
    const nlohmann::json j = nlohmann::json::parse(entry.value(), nullptr, false);
    if (j.is_discarded()) throw Error(where + " is not JSON");
    try {
      return datasetInfoFromJson(j);
    } catch (const Error& e) {
      throw e.within(where);
    }
  }
  return {};
}

}  // namespace

ModelFile Importer::run() {
  std::ifstream in(m_path, std::ios::binary);
  if (!in) throw Error(m_path + ": cannot open");
  onnx::ModelProto model;
  if (!model.ParseFromIstream(&in) || !model.has_graph())
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
  // Each initializer's bytes are let go once they are a tensor: a large model is not held twice.
  for (auto& t : *model.mutable_graph()->mutable_initializer()) {
    m_constants[t.name()] = toTensor(t, m_path + ": initializer '" + t.name() + "'");
    m_learned.insert(t.name());
    std::string().swap(*t.mutable_raw_data());
  }
  m_spec.name = g.name().empty() ? "onnx" : g.name();
  for (const auto& given : m_inputShapes)
    if (std::none_of(g.input().begin(), g.input().end(),
                     [&](const auto& input) { return input.name() == given.first; }))
      throw Error(m_path + ": a shape is given for input '" + given.first +
                  "', which the graph lacks");
  std::vector<FreeInput> free;  // every input that needs sizes, named in one error
  for (const auto& input : g.input()) {
    if (m_constants.count(input.name())) continue;
    const auto& dims = input.type().tensor_type().shape().dim();
    if (!dims.empty() && dims[0].dim_value() > 0)
      m_fixedBatch = {input.name(), dims[0].dim_value()};
    m_spec.inputs.push_back({input.name(), inputShape(input.name(), dims, free), DType::f32});
  }
  if (!free.empty()) throw FreeInputSizes(m_path, std::move(free));
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
  ModelFile file{m_spec, {}, quantPlan(), datasetOf(model, m_path), {}};
  if (m_fixedBatch)
    file.notes.push_back("input '" + m_fixedBatch->first + "': the file fixes its batch at " +
                         std::to_string(m_fixedBatch->second) +
                         "; read with the batch free, any batch runs");
  try {
    const Graph graph = Graph::build(m_spec, 1);
    for (const auto& [name, axis] : m_flatteningSoftmax)
      if (axis + 1 != static_cast<int64_t>(graph.values()[graph.valueIndex(name)].shape.size()))
        throw Error("node '" + name + "': a softmax before opset 13 over axis " +
                    std::to_string(axis) + " that is not the last is not supported");
    if (file.quant) checkQuantPlan(graph, *file.quant);
    // The file's tensors become the parameters as they are; one initializer read by two
    // nodes (or a constant folded into two) is copied for the second, so each trains alone.
    std::set<const void*> taken;
    for (const auto& [name, spec] : graph.parameters()) {
      Tensor& t = m_weights.at(name);
      if (t.shape() != spec.shape)
        throw Error("'" + name + "' is " + toString(t.shape()) + " but the node needs " +
                    toString(spec.shape));
      file.params.add(name, spec, taken.insert(t.raw()).second ? std::move(t) : t.clone());
    }
  } catch (const Error& e) {
    throw e.within(m_path);
  }
  return file;
}

std::string Importer::resolve(const std::string& name) const {
  auto it = m_aliases.find(name);
  return it == m_aliases.end() ? name : resolve(it->second);
}

// `name` is `target` under another name (Identity, Dropout, a Pad of zeros, ...). A value that
// would stand for itself — a node reading its own output, through any chain — is refused:
// resolving it would never end.
void Importer::alias(const std::string& name, const std::string& target, const ImportedNode* node) {
  const std::string resolved = resolve(target);
  if (resolved == name) {
    const std::string what = "'" + name + "' is defined by itself (a cycle)";
    throw node ? node->error(what) : Error(what);
  }
  m_aliases[name] = resolved;
}

const Tensor& Importer::constant(const ImportedNode& n, int input) const {
  if (n.proto().input_size() <= input)
    throw n.error("input " + std::to_string(input) + " is missing");
  auto it = m_constants.find(n.input(input));
  if (it == m_constants.end())
    throw n.error("input '" + n.input(input) + "' must be a constant (an initializer)");
  return it->second;
}

void Importer::add(const ImportedNode& n, const std::string& op, std::vector<std::string> inputs,
                   nlohmann::json attrs, const std::string& name) {
  const std::string out = name.empty() ? n.output() : name;
  m_spec.nodes.push_back({out, op, std::move(inputs), std::move(attrs)});
  m_produced.insert(out);
}

std::string Importer::value(const ImportedNode& n, int input) {
  return computed(n, resolve(n.input(input)));
}

std::string Importer::computed(const ImportedNode& n, const std::string& name) {
  if (m_constants.count(name))
    throw n.error("input '" + name + "' is a constant; the engine needs a computed value");
  if (m_layouts.count(name)) {
    const std::optional<std::string> engine = engineForm(name);
    if (!engine) throw n.error("input '" + name + "' " + kBatchMoved + "; this op cannot read it");
    return *engine;
  }
  if (m_shapeArithmetic.find(name))
    throw n.error("input '" + name + "' is computed from shapes; only a Reshape may read it");
  if (m_batchStates.count(name))
    throw n.error("input '" + name +
                  "' is a state as large as the batch, which the engine reads only as a "
                  "recurrent layer's initial state");
  if (m_expandedToBatch.count(name))
    throw n.error("input '" + name +
                  "' is a constant expanded to the batch, which the engine keeps only as tokens "
                  "a Concat puts before a computed value's (ViT's class token)");
  if (auto held = m_heldPads.find(name); held != m_heldPads.end()) {
    // An image's padding read by another op than a Conv or AveragePool: padded after all.
    const std::vector<int64_t> p = held->second.pads;  // top, left, bottom, right
    const std::string input = held->second.value;
    m_heldPads.erase(held);
    padded(n, input, {0, 0, p[0], p[1], 0, 0, p[2], p[3]}, name);
  }
  return name;
}

// The int8 plan of a QDQ model: its layers with int8 weights and its values' ranges; nullopt
// for a model without QDQ layers.
std::optional<QuantPlan> Importer::quantPlan() const {
  if (m_int8Layers.empty()) return std::nullopt;
  QuantPlan plan;
  plan.observer = "qdq";  // the ranges the file's scales give
  for (const auto& [node, scales] : m_int8Layers) plan.layers[node] = {true, scales};
  plan.activations = m_ranges;
  // A Reshape's value is its input's, in another shape: whichever of the two has a range gives
  // it to the other (the Reshapes a rewrite puts around a layer, a 1-D convolution's).
  for (bool spread = true; spread;) {
    spread = false;
    for (const NodeSpec& node : m_spec.nodes) {
      if (node.op != "Reshape" && node.op != "Flatten") continue;
      const std::string& input = node.inputs[0];
      const bool in = plan.activations.count(input), out = plan.activations.count(node.name);
      if (in == out) continue;
      if (in)
        plan.activations[node.name] = plan.activations.at(input);
      else
        plan.activations[input] = plan.activations.at(node.name);
      spread = true;
    }
  }
  return plan;
}

// Every value an int8 layer reads or writes has its range: a QDQ model that left one out is
// refused here, naming it, rather than when it runs.
void Importer::checkQuantPlan(const Graph& graph, const QuantPlan& plan) const {
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

// An input's dimensions after the batch: the file's, where it leaves one free (a text model's
// sequence) the shape given for the input (import --input-shape).
Shape Importer::inputShape(
    const std::string& name,
    const google::protobuf::RepeatedPtrField<onnx::TensorShapeProto::Dimension>& dims,
    std::vector<FreeInput>& free) const {
  const auto given = m_inputShapes.find(name);
  const std::string where = m_path + ": input '" + name + "'";
  if (given != m_inputShapes.end() && given->second.size() + 1 != static_cast<size_t>(dims.size()))
    throw Error(where + " has " + std::to_string(std::max(dims.size() - 1, 0)) +
                " dimension(s) after the batch; the shape given for it, " +
                toString(given->second) + ", has " + std::to_string(given->second.size()));
  FreeInput sizes{name, {}, {}};
  for (int i = 1; i < dims.size(); ++i) {
    int64_t size = std::max<int64_t>(dims[i].dim_value(), 0);
    if (given != m_inputShapes.end()) {
      const int64_t wanted = given->second[static_cast<size_t>(i - 1)];
      if (wanted < 1)
        throw Error(where + ": the size given for dimension " + std::to_string(i) + ", " +
                    std::to_string(wanted) + ", is not a size (at least 1)");
      if (size > 0 && size != wanted)
        throw Error(where + ": the file fixes dimension " + std::to_string(i) + " at " +
                    std::to_string(size) + ", not " + std::to_string(wanted));
      size = wanted;
    }
    sizes.dims.push_back(size);
    sizes.symbols.push_back(dims[i].dim_param());
  }
  if (std::count(sizes.dims.begin(), sizes.dims.end(), 0) == 0) return sizes.dims;
  free.push_back(std::move(sizes));
  return {};
}

// The shape of a value translated so far, batch first.
Shape Importer::shapeOf(const std::string& onnxName) const {
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
std::vector<SymbolicDim> Importer::onnxShapeOf(const std::string& onnxName) const {
  const std::string name = resolve(onnxName);
  if (auto it = m_layouts.find(name); it != m_layouts.end()) return it->second.onnxShape();
  return BatchLayout::of(name, shapeOf(name)).onnxShape();
}

void Importer::translate(const ImportedNode& n) {
  const std::string& op = n.proto().op_type();
  const std::string out = n.output();
  auto shape = [&](const std::string& v) {
    try {
      return onnxShapeOf(v);
    } catch (const Error& e) {
      throw n.error(e.what());
    }
  };
  if (foldConstants(n) || batchState(n)) return;
  if (m_shapeArithmetic.fold(n, m_constants, shape)) {
    // What does not depend on the batch folds on as any constant does.
    if (auto constant = m_shapeArithmetic.constantOf(n)) m_constants[out] = std::move(*constant);
    return;
  }
  if (elementwiseOnView(n) || onLayout(n)) return;
  if (op == "Identity" && m_constants.count(n.input(0))) {
    if (m_learned.count(n.input(0))) m_learned.insert(out);
    m_constants[out] = m_constants.at(n.input(0));  // PyTorch shares equal initializers so
  } else if (op == "Identity" || op == "Dropout" || op == "Cast") {
    // Cast of a computed value: the engine's values are floats (token ids too).
    alias(out, n.input(0), &n);
  } else if (op == "Pad") {
    zeroPad(n);
  } else if (op == "QuantizeLinear" || op == "DequantizeLinear") {
    qdq(n);
  } else if (op == "Constant") {
    for (const auto& a : n.proto().attribute())
      if (a.name() == "value") m_constants[out] = toTensor(a.t(), m_path + ": " + n.name());
    if (!m_constants.count(out)) throw n.error("only the 'value' form of Constant is supported");
  } else if (oneDimensional(n)) {
  } else if (op == "Gemm" || (op == "MatMul" && m_constants.count(n.input(1)))) {
    linear(n, value(n, 0), out);
  } else if (op == "Conv") {
    const Tensor& w = constant(n, 1);
    if (w.shape().size() != 4) throw n.error("only 2-D convolutions are supported");
    m_weights[out + ".weight"] = w;
    if (auto scales = m_qdq.weightScales(n.input(1), 0, w.shape()[0])) m_int8Layers[out] = *scales;
    const bool bias = n.proto().input_size() > 2;
    if (bias) m_weights[out + ".bias"] = constant(n, 2);
    const PaddedInput in = paddedInput(n);
    add(n, "Conv2d", {in.value},
        {{"out_channels", w.shape()[0]},
         {"kernel", {w.shape()[2], w.shape()[3]}},
         {"stride", pairOf(n, "strides", 1)},
         {"padding", symmetricPads(n, in.pads)},
         {"dilation", pairOf(n, "dilations", 1)},
         {"groups", n.integer("group", 1)},
         {"bias", bias}});
  } else if (op == "ConvTranspose") {
    convTranspose(n);
  } else if (op == "LSTM" || op == "GRU" || op == "RNN") {
    recurrent(n);
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
    if (axes.empty()) throw n.error("a reduction over every axis (the batch too) is not supported");
    add(n, op, {value(n, 0)}, {{"axes", axes}, {"keepdims", n.integer("keepdims", 1) != 0}});
  } else if (op == "Sub") {
    add(n, "Sub", {value(n, 0), value(n, 1)});
  } else if (op == "Relu" || op == "Sigmoid" || op == "Tanh") {
    add(n, op == "Relu" ? "ReLU" : op, {value(n, 0)});
  } else if (op == "Elu") {
    add(n, "ELU", {value(n, 0)}, {{"alpha", n.number("alpha", 1.f)}});
  } else if (op == "Softplus" || op == "Mish" || op == "Abs" || op == "Exp" || op == "Log") {
    add(n, op, {value(n, 0)});
  } else if (op == "Neg") {
    add(n, "Scale", {value(n, 0)}, {{"factor", -1.f}});
  } else if (op == "Reciprocal") {
    add(n, "Pow", {value(n, 0)}, {{"exponent", -1.f}});
  } else if (op == "PRelu") {
    // The slopes, broadcast as ONNX's unidirectional broadcast aligns them: at the last axis.
    const Tensor& slope = constant(n, 1);
    Shape shape = slope.shape().empty() ? Shape{1} : slope.shape();
    m_weights[out + ".slope"] = Tensor::view(slope, 0, shape);
    add(n, "PReLU", {value(n, 0)}, {{"shape", shape}});
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
  } else if (op == "Resize" || op == "Upsample") {
    resize(n);
  } else if (op == "InstanceNormalization") {
    instanceNorm(n);
  } else if (op == "LayerNormalization") {
    layerNorm(n);
  } else if (op == "Clip") {
    clip(n);
  } else if (op == "MaxPool" || op == "AveragePool") {
    bool ceilMode = n.integer("ceil_mode", 0) != 0;
    if (n.integers("dilations", {1, 1}) != std::vector<int64_t>{1, 1})
      throw n.error("dilated pooling is not supported");
    // A MaxPool reading a held Pad of zeros is refused by value(): zeros are no -inf.
    PaddedInput in = op == "AveragePool"
                         ? paddedInput(n)
                         : PaddedInput{value(n, 0), n.integers("pads", {0, 0, 0, 0})};
    const std::vector<int64_t> kernel = pairOf(n, "kernel_shape", 1),
                               stride = pairOf(n, "strides", 1);
    if (op == "MaxPool" && !ceilMode && in.pads.size() == 4 &&
        (in.pads[0] != in.pads[2] || in.pads[1] != in.pads[3])) {
      const Shape shape = shapeOf(in.value);
      if (shape.size() == 4 && ceilModeAsEndPads(in.pads, kernel, stride, {shape[2], shape[3]})) {
        in.pads = {in.pads[0], in.pads[1], in.pads[0], in.pads[1]};
        ceilMode = true;
      }
    }
    nlohmann::json attrs = {
        {"kernel", kernel}, {"stride", stride}, {"padding", symmetricPads(n, in.pads)}};
    if (op == "AveragePool") {
      const bool countsPadding = n.integer("count_include_pad", 0) != 0;
      if (in.padded && !countsPadding &&
          n.integers("pads", {0, 0, 0, 0}) != std::vector<int64_t>{0, 0, 0, 0})
        throw n.error("a Pad of zeros before an average that leaves its own padding out");
      attrs["count_include_pad"] = countsPadding || in.padded;  // the Pad's zeros are counted
    }
    if (ceilMode) attrs["ceil_mode"] = true;
    add(n, op == "MaxPool" ? "MaxPool2d" : "AvgPool2d", {in.value}, attrs);
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
  } else if (op == "Einsum") {
    einsum(n);
  } else if (op == "Add" && linearBias(n)) {
  } else if (op == "Add" && addedConstant(n)) {
  } else if (op == "Expand") {
    expandToBatch(n);
  } else if (op == "Concat" && prependedTokens(n)) {
  } else if ((op == "Sum" || op == "Concat") && n.proto().input_size() == 1) {
    alias(out, n.input(0), &n);  // torch.cat([x]) (DenseNet's first layer of a block): x
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
    throw n.error("unsupported op (the ops import reads: docs/model-file.md, Importing ONNX)");
  }
}

// QuantizeLinear and DequantizeLinear (io/onnx_qdq.h): constants dequantized now, a
// quantize-dequantize pair the value it quantizes, with its range recorded; the range of an
// activation's output that int8 inference fuses into its producer (ReLU, ReLU6, GELU, SiLU,
// Hardswish) is its input's too (the producer's output then holds it).
void Importer::qdq(const ImportedNode& n) {
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
      producer && OpRegistry::instance().find(producer->op)->traits.fusedAs)
    m_ranges[producer->inputs[0]] = quantized->range;
}

// Gemm, or MatMul by a constant: a Linear of engine value `input` over its last axis, named
// `out`. Returns its out_features.
int64_t Importer::linear(const ImportedNode& n, const std::string& input, const std::string& out) {
  const std::string& op = n.proto().op_type();
  if (n.integer("transA", 0) != 0) throw n.error("transA = 1 is not supported");
  if (n.number("alpha", 1.f) != 1.f || n.number("beta", 1.f) != 1.f)
    throw n.error("alpha and beta other than 1 are not supported");
  const Tensor& b = constant(n, 1);
  if (b.shape().size() != 2) throw n.error("the weight must be 2-D");
  const bool transposed = op == "Gemm" && n.integer("transB", 0) == 1;
  const int64_t outFeatures = transposed ? b.shape()[0] : b.shape()[1];
  const int64_t inFeatures = transposed ? b.shape()[1] : b.shape()[0];
  // The engine's weight is (out, in), PyTorch's layout: a Gemm's transB holds it so, a MatMul's
  // (in, out) is transposed in tiles (a column of a large weight is a cache line per float).
  Tensor w = b;
  if (!transposed) {
    w = Tensor::onFreshPages({outFeatures, inFeatures}, DType::f32);
    constexpr int64_t kTile = 32;
    for (int64_t o0 = 0; o0 < outFeatures; o0 += kTile)
      for (int64_t i0 = 0; i0 < inFeatures; i0 += kTile)
        for (int64_t o = o0; o < std::min(o0 + kTile, outFeatures); ++o)
          for (int64_t i = i0; i < std::min(i0 + kTile, inFeatures); ++i)
            w.data<float>()[o * inFeatures + i] = b.data<float>()[i * outFeatures + o];
  }
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

// nn.ConvTranspose2d: its weight (C, OC, KH, KW) as it is, groups 1, sizes from the attributes
// (an output_shape is refused: the engine computes the size from them, as PyTorch does).
void Importer::convTranspose(const ImportedNode& n) {
  const Tensor& w = constant(n, 1);
  if (w.shape().size() != 4) throw n.error("only 2-D transposed convolutions are supported");
  if (n.integer("group", 1) != 1) throw n.error("only group = 1 is supported");
  if (n.text("auto_pad", "NOTSET") != "NOTSET" || !n.integers("output_shape", {}).empty())
    throw n.error("auto_pad and output_shape are not supported; give pads and output_padding");
  const std::string out = n.output();
  m_weights[out + ".weight"] = w;
  const bool bias = n.proto().input_size() > 2 && !n.input(2).empty();
  if (bias) m_weights[out + ".bias"] = constant(n, 2);
  add(n, "ConvTranspose2d", {value(n, 0)},
      {{"out_channels", w.shape()[1]},
       {"kernel", {w.shape()[2], w.shape()[3]}},
       {"stride", pairOf(n, "strides", 1)},
       {"padding", symmetricPads(n, n.integers("pads", {0, 0, 0, 0}))},
       {"output_padding", pairOf(n, "output_padding", 0)},
       {"dilation", pairOf(n, "dilations", 1)},
       {"bias", bias}});
}

// LayerNormalization over the last axis, with its scale and (optional) bias as constants; a
// scale of ones and a bias of zeros that are no initializers (what PyTorch writes for
// elementwise_affine=False, and the instance norm's rewrite) make a LayerNorm without parameters.
void Importer::layerNorm(const ImportedNode& n) {
  if (n.integer("axis", -1) != -1) throw n.error("only axis = -1 (the last) is supported");
  const std::string out = n.output();
  const Tensor& scale = constant(n, 1);
  if (scale.shape().size() != 1) throw n.error("the scale must be 1-D (the last axis)");
  const bool hasBias = n.proto().input_size() > 2 && !n.input(2).empty();
  const Tensor bias = hasBias ? constant(n, 2) : Tensor(scale.shape(), DType::f32);  // zeros
  const auto fixedAt = [&](int input, const Tensor& t, float identity) {
    const float* v = t.data<float>();
    return !(input < n.proto().input_size() && m_learned.count(n.input(input))) &&
           std::all_of(v, v + t.numel(), [&](float x) { return x == identity; });
  };
  const bool affine = !fixedAt(1, scale, 1.f) || !fixedAt(2, bias, 0.f);
  if (affine) {
    m_weights[out + ".weight"] = scale;
    m_weights[out + ".bias"] = bias;
  }
  add(n, "LayerNorm", {value(n, 0)}, {{"eps", n.number("epsilon", 1e-5f)}, {"affine", affine}});
}

// The node already emitted under `name`, or null. Folds below rewrite it in place.
NodeSpec* Importer::emittedNode(const std::string& name) {
  auto it = std::find_if(m_spec.nodes.begin(), m_spec.nodes.end(),
                         [&](const NodeSpec& s) { return s.name == name; });
  return it == m_spec.nodes.end() ? nullptr : &*it;
}

// A folded node takes the name of the ONNX node that absorbed it, whose readers read it.
void Importer::renameTo(NodeSpec& node, const std::string& name) {
  std::string engine = name;
  for (auto it = m_layouts.begin(); it != m_layouts.end(); ++it) {
    if (it->second.engine != node.name) continue;
    BatchLayout layout = it->second;  // a view of the node: it moves to the new name
    m_layouts.erase(it);
    // A node translated on a view's engine value has that value's name already.
    engine = layout.engine = m_onEngine.count(name) ? name : engineName(name, layout);
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

}  // namespace twb::onnx_import

namespace twb {

namespace {

// "input 'ids': dimension 1 ('sequence') has no fixed size": the first free size of each input.
std::string freeSizesProblem(const std::string& path, const std::vector<FreeInput>& inputs) {
  std::string problem = path;
  for (const FreeInput& input : inputs) {
    const size_t i = static_cast<size_t>(
        std::find(input.dims.begin(), input.dims.end(), 0) - input.dims.begin());
    const std::string symbol = input.symbols[i].empty() ? "" : " ('" + input.symbols[i] + "')";
    problem += (&input == &inputs.front() ? ": input '" : "; input '") + input.name +
               "': dimension " + std::to_string(i + 1) + symbol + " has no fixed size";
  }
  return problem;
}

std::string givenOnTheCommandLine(const std::vector<FreeInput>& inputs) {
  std::string options;
  for (const FreeInput& input : inputs)
    options += (options.empty() ? "" : " ") + std::string("--input-shape ") + input.name +
               "=D1xD2...";
  return std::string("; give the input") + (inputs.size() > 1 ? "s'" : "'s") +
         " dimensions after the batch (" + options + ")";
}

}  // namespace

FreeInputSizes::FreeInputSizes(const std::string& path, std::vector<FreeInput> inputs)
    : Error(freeSizesProblem(path, inputs) + givenOnTheCommandLine(inputs)),
      m_inputs(std::move(inputs)),
      m_problem(freeSizesProblem(path, m_inputs)) {}

ModelFile importOnnx(const std::string& path, const std::map<std::string, Shape>& inputShapes) {
  return onnx_import::Importer(path, inputShapes).run();
}

}  // namespace twb
