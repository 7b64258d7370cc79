#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace twb::onnx_import {

// LayerNorm as PyTorch writes it before opset 17: d = x - mean(x), d / sqrt(mean(d^2) + eps)
// over the last axis, each step read once; its scale and shift follow as Mul and Add
// (layerNormAffine). Recognised at the Div, which becomes a LayerNorm of x, without parameters
// until a scale or shift is folded in.
bool Importer::decomposedLayerNorm(const ImportedNode& n) {
  auto producer = [&](const std::string& name, const char* op) -> NodeSpec* {
    NodeSpec* node = emittedNode(resolve(name));
    return node && node->op == op && !node->inputs.empty() && m_readers[name] <= 2 ? node : nullptr;
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
  NodeSpec* mean =
      centred && centred->inputs.size() == 2 ? producer(centred->inputs[1], "ReduceMean") : nullptr;
  if (!lastAxisMean(mean) || mean->inputs[0] != centred->inputs[0] ||
      m_weights.at(eps->name + ".bias").numel() != 1)
    return false;
  const std::string x = centred->inputs[0];
  const float epsilon = m_weights.at(eps->name + ".bias").data<float>()[0];
  m_weights.erase(eps->name + ".bias");
  const std::set<std::string> folded{root->name,   eps->name,     variance->name,
                                     square->name, centred->name, mean->name};
  std::erase_if(m_spec.nodes, [&](const NodeSpec& s) { return folded.count(s.name) > 0; });
  add(n, "LayerNorm", {x}, {{"eps", epsilon}, {"affine", false}});
  return true;
}

// The Mul by a scale and the Add of a shift that follow a LayerNorm (decomposedLayerNorm's):
// folded into its weight and bias while they are still 1 and 0 (the LayerNorm gains them with
// the first).
bool Importer::layerNormAffine(const ImportedNode& n) {
  if (n.proto().input_size() != 2) return false;
  const bool scale = n.proto().op_type() == "Mul";
  for (int c = 0; c < 2; ++c) {
    auto constant = m_constants.find(n.input(c));
    NodeSpec* node = emittedNode(resolve(n.input(1 - c)));
    if (constant == m_constants.end() || !node || node->op != "LayerNorm" ||
        m_readers[n.input(1 - c)] != 1)
      continue;
    const int64_t features = shapeOf(node->inputs[0]).back();
    if (constant->second.numel() != features || constant->second.dtype() != DType::f32) continue;
    if (!node->attrs.value("affine", true)) {
      Tensor ones({features}, DType::f32);
      ones.fill(1.f);
      m_weights[node->name + ".weight"] = ones;
      m_weights[node->name + ".bias"] = Tensor({features}, DType::f32);  // zeros
      node->attrs["affine"] = true;
    }
    Tensor& target = m_weights.at(node->name + (scale ? ".weight" : ".bias"));
    const float untouched = scale ? 1.f : 0.f;
    if (std::any_of(target.data<float>(), target.data<float>() + target.numel(),
                    [&](float v) { return v != untouched; }))
      continue;
    std::copy_n(constant->second.data<float>(), target.numel(), target.data<float>());
    const std::string before = node->name;
    renameTo(*node, n.output());  // its name may be a view's engine value's
    for (const char* suffix : {".weight", ".bias"}) {
      m_weights[node->name + suffix] = m_weights.at(before + suffix);
      m_weights.erase(before + suffix);
    }
    return true;
  }
  return false;
}

// A 2-D constant transposed (a weight written as Transpose + MatMul).
Tensor Importer::transposed(const ImportedNode& n, const Tensor& t) {
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
bool Importer::linearBias(const ImportedNode& n) {
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
    Tensor& bias = m_weights[node->name + ".bias"] = Tensor({constant->second.numel()}, DType::f32);
    std::memcpy(bias.raw(), constant->second.raw(), constant->second.bytes());
    return true;
  }
  return false;
}

// x * c, c * x and x / c for one float constant c: the factor Scale multiplies by (a
// division stays exact as a multiplication only up to rounding: 1e-7 relative).
std::optional<float> Importer::scalarFactor(const ImportedNode& n) const {
  const std::string& op = n.proto().op_type();
  if ((op != "Mul" && op != "Div") || n.proto().input_size() != 2) return std::nullopt;
  const int c = m_constants.count(n.input(1)) ? 1 : 0;
  auto constant = m_constants.find(n.input(c));
  if ((op == "Div" && c != 1) || constant == m_constants.end()) return std::nullopt;
  const Tensor& t = constant->second;
  if (t.numel() != 1 || t.dtype() != DType::f32) return std::nullopt;
  return op == "Mul" ? t.data<float>()[0] : 1.f / t.data<float>()[0];
}

namespace {
// A Bias's or LayerScale's attributes: fixed only where the constant is not the file's
// parameter.
nlohmann::json tensorAttrs(const Shape& shape, bool fixed) {
  nlohmann::json attrs{{"shape", shape}};
  if (fixed) attrs["fixed"] = true;
  return attrs;
}
}  // namespace

// x * C, C * x and x / C for a float constant tensor C (ConvNeXt's layer scale, a per-channel
// normalisation): a LayerScale holding C (1 / C for a division, exact up to rounding), which
// broadcasts like ONNX's Mul.
bool Importer::multipliedByConstant(const ImportedNode& n) {
  const std::string& op = n.proto().op_type();
  if ((op != "Mul" && op != "Div") || n.proto().input_size() != 2) return false;
  const int c = m_constants.count(n.input(1)) ? 1 : m_constants.count(n.input(0)) ? 0 : -1;
  if (c < 0 || (op == "Div" && c == 0)) return false;  // C / x is no scaling of x
  const Tensor& t = m_constants.at(n.input(c));
  if (t.dtype() != DType::f32) throw n.error("only a float constant can scale a value");
  Tensor scale = t.clone();
  if (op == "Div")
    for (int64_t i = 0; i < scale.numel(); ++i) scale.data<float>()[i] = 1.f / t.data<float>()[i];
  m_weights[n.output() + ".scale"] = scale;
  add(n, "LayerScale", {value(n, 1 - c)}, tensorAttrs(t.shape(), !m_learned.count(n.input(c))));
  return true;
}

// A Pad of zeros on the height and width of an image: nothing where it pads nothing (PyTorch
// writes one before some average pools); else held, to become the padding of the Conv or
// AveragePool that reads it, as Inception's F.avg_pool2d(x, 3, 1, 1) arrives (a Pad, then a pool
// without pads) and TensorFlow's converters write "same" padding.
void Importer::zeroPad(const ImportedNode& n) {
  const std::string mode = n.text("mode", "constant");
  if (mode != "constant") throw n.error("only constant padding is supported, not " + mode);
  std::vector<int64_t> pads = n.integers("pads", {});  // before opset 11 an attribute
  float fill = n.number("value", 0.f);
  if (m_opset >= 11) {
    const Tensor& given = constant(n, 1);
    if (given.dtype() != DType::s32) throw n.error("the pads must be integers");
    pads.clear();
    for (int64_t i = 0; i < given.numel(); ++i) pads.push_back(given.data<int32_t>()[i]);
    if (n.proto().input_size() > 2 && !n.proto().input(2).empty()) {
      const Tensor& value = constant(n, 2);
      if (value.numel() != 1 || value.dtype() != DType::f32)
        throw n.error("the padding value must be one float");
      fill = value.data<float>()[0];
    }
  }
  if (std::all_of(pads.begin(), pads.end(), [](int64_t p) { return p == 0; })) {
    alias(n.output(), n.input(0), &n);
    return;
  }
  if (fill != 0.f) throw n.error("only a Pad of zeros is supported");
  const size_t rank = pads.size() / 2;  // every axis's begin, then every end
  if (pads.size() % 2 != 0 || pads[0] != 0 || pads[rank] != 0 ||
      std::any_of(pads.begin(), pads.end(), [](int64_t p) { return p < 0; }))
    throw n.error("pads " + toString(Shape(pads.begin(), pads.end())) +
                  ": only zeros added after the batch are supported (no crop)");
  // An image's height and width: held, for the Conv or AveragePool that reads it to take as its
  // own padding; any other axes (Swin's tokens, a CIFAR ResNet's channels) padded now.
  if (rank == 4 && pads[1] == 0 && pads[5] == 0) {
    m_heldPads[n.output()] = {value(n, 0), {pads[2], pads[3], pads[6], pads[7]}, true};
    return;
  }
  padded(n, value(n, 0), pads, n.output());
}

// `input` with pads (ONNX's: every axis's begin, then every end; the batch's none) of zeros as
// engine value `out`: one Pad an axis padded.
void Importer::padded(const ImportedNode& n, std::string input, const std::vector<int64_t>& pads,
                      const std::string& out) {
  const size_t rank = pads.size() / 2;
  size_t last = 0;
  for (size_t axis = 1; axis < rank; ++axis)
    if (pads[axis] || pads[rank + axis]) last = axis;
  for (size_t axis = 1; axis <= last; ++axis) {
    if (!pads[axis] && !pads[rank + axis]) continue;
    const std::string name = axis == last ? out : out + "/axis" + std::to_string(axis);
    add(n, "Pad", {input}, {{"axis", axis}, {"before", pads[axis]}, {"after", pads[rank + axis]}},
        name);
    input = name;
  }
}

Importer::PaddedInput Importer::paddedInput(const ImportedNode& n) {
  std::vector<int64_t> pads = n.integers("pads", {0, 0, 0, 0});
  if (pads.size() != 4) throw n.error("pads must have 4 values (2-D only)");
  const auto held = m_heldPads.find(resolve(n.input(0)));
  if (held == m_heldPads.end()) return {value(n, 0), pads};
  for (size_t i = 0; i < 4; ++i) pads[i] += held->second.pads[i];
  return {held->second.value, pads, true};
}

// `class_token.expand(n, -1, -1)`: an Expand of a float constant (1, k, ...) to the batch, held
// until the Concat that puts it before a computed value's tokens (prependedTokens).
void Importer::expandToBatch(const ImportedNode& n) {
  const auto data = m_constants.find(resolve(n.input(0)));
  const std::vector<SymbolicDim>* target = m_shapeArithmetic.find(n.input(1));
  if (data == m_constants.end() || data->second.dtype() != DType::f32 || !target)
    throw n.error(
        "only an Expand of a float constant to a shape computed from the batch (ViT's "
        "class token) is supported");
  const Shape& shape = data->second.shape();
  bool toBatch = shape.size() == target->size() && shape.size() >= 3 && shape[0] == 1 &&
                 target->front().batch == 1 && target->front().value == 0;
  for (size_t d = 1; toBatch && d < shape.size(); ++d)
    toBatch =
        (*target)[d].batch == 0 && ((*target)[d].value == 1 || (*target)[d].value == shape[d]);
  if (!toBatch)
    throw n.error(
        "only an Expand of a (1, tokens, ...) constant along the batch alone is "
        "supported");
  m_expandedToBatch[n.output()] = data->first;
}

// Concat(expanded tokens, x) along the tokens: a PrependTokens holding them. With the batch
// fixed, the Expand is folded into the tokens repeated for each sample, (batch, tokens, ...).
bool Importer::prependedTokens(const ImportedNode& n) {
  const auto held = m_expandedToBatch.find(resolve(n.input(0)));
  const std::optional<Tensor> repeated =
      held == m_expandedToBatch.end() ? tokensOfFixedBatch(n) : std::nullopt;
  if (held == m_expandedToBatch.end() && !repeated) return false;
  const Tensor& tokens = repeated ? *repeated : m_constants.at(held->second);
  const auto rank = static_cast<int64_t>(tokens.shape().size());
  const int64_t axis = n.integer("axis", 1);
  if (n.proto().input_size() != 2 || (axis != 1 && axis != 1 - rank))
    throw n.error("expanded tokens are supported only first of two inputs joined along axis 1");
  m_weights[n.output() + ".tokens"] = tokens;
  add(n, "PrependTokens", {value(n, 1)}, {{"count", tokens.shape()[1]}});
  return true;
}

// x + C for a float constant C (a positional embedding, a per-channel offset): a Bias holding
// C, which broadcasts like ONNX's Add.
bool Importer::addedConstant(const ImportedNode& n) {
  if (n.proto().input_size() != 2) return false;
  const int c = m_constants.count(n.input(1)) ? 1 : m_constants.count(n.input(0)) ? 0 : -1;
  if (c < 0) return false;
  const Tensor& t = m_constants.at(n.input(c));
  if (t.dtype() != DType::f32) throw n.error("only a float constant can be added");
  const std::string input = resolve(n.input(1 - c));
  if (m_layouts.count(input)) {
    addedToView(n, input, t, !m_learned.count(n.input(c)));
    return true;
  }
  m_weights[n.output() + ".bias"] = t;
  add(n, "Bias", {value(n, 1 - c)}, tensorAttrs(t.shape(), !m_learned.count(n.input(c))));
  return true;
}

// A constant added to a value whose batch shares an axis with others, as Swin adds its relative
// position bias, (1, heads, N, N), to attention scores of (N * windows, heads, N, N): the Bias
// runs on the engine value, each of the constant's axes on the engine axis its ONNX axis is.
void Importer::addedToView(const ImportedNode& n, const std::string& input, const Tensor& t,
                           bool fixed) {
  const BatchLayout& layout = normalised(input);
  const auto rank = static_cast<int64_t>(layout.groups.size());
  const auto constantRank = static_cast<int64_t>(t.shape().size());
  if (constantRank > rank)
    throw n.error("the constant has more axes than the value it is added to");
  Shape shape(layout.sizes.size() - 1, 1);  // the engine value's axes after the batch
  int64_t previous = 0;
  for (int64_t i = 0; i < constantRank; ++i) {
    const int64_t size = t.shape()[static_cast<size_t>(i)];
    if (size == 1) continue;
    const int64_t axis = rank - constantRank + i;
    const std::optional<int64_t> engineAxis = layout.soleAxis(axis);
    if (!engineAxis || *engineAxis <= previous)
      throw n.error("the constant varies along ONNX axis " + std::to_string(axis) +
                    ", which holds the batch or merges several axes");
    shape[static_cast<size_t>(*engineAxis - 1)] = size;
    previous = *engineAxis;
  }
  const std::string name = engineName(n.output(), layout);
  m_weights[name + ".bias"] = Tensor::view(t, 0, shape).clone();
  add(n, "Bias", {layout.engine}, tensorAttrs(shape, fixed), name);
  BatchLayout out = layout;
  out.engine = name;
  keep(n.output(), out);
}

// Clip's bounds: attributes before opset 11, optional constant inputs since; absent is
// unbounded. Clip(0, 6) is ReLU6.
void Importer::clip(const ImportedNode& n) {
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

// x * Sigmoid(x) is SiLU, x * HardSigmoid(x; 1/6, 1/2) is Hardswish and x * Tanh(Softplus(x))
// is Mish, as PyTorch writes them before opsets 14 and 18: the gate's nodes, read only by this
// Mul, become the activation.
bool Importer::gatedActivation(const ImportedNode& n) {
  if (n.proto().input_size() != 2) return false;
  for (int g = 0; g < 2; ++g) {
    const std::string x = resolve(n.input(1 - g));
    NodeSpec* node = emittedNode(resolve(n.input(g)));
    if (!node || m_readers[n.input(g)] != 1 || node->inputs.empty()) continue;
    if (NodeSpec* softplus = node->op == "Tanh" ? emittedNode(node->inputs[0]) : nullptr;
        softplus && softplus->op == "Softplus" && softplus->inputs[0] == x &&
        m_readers[node->inputs[0]] == 1) {
      const std::string tanh = node->name;
      softplus->op = "Mish";
      renameTo(*softplus, n.output());
      std::erase_if(m_spec.nodes, [&](const NodeSpec& s) { return s.name == tanh; });
      return true;
    }
    const bool pytorchHardSigmoid = node->op == "HardSigmoid" &&
                                    std::abs(node->attrs["alpha"].get<float>() - 1.f / 6) < 1e-6f &&
                                    node->attrs["beta"].get<float>() == 0.5f;
    if (node->inputs[0] != x || (node->op != "Sigmoid" && !pytorchHardSigmoid)) continue;
    node->op = node->op == "Sigmoid" ? "SiLU" : "Hardswish";
    node->attrs = nlohmann::json::object();
    renameTo(*node, n.output());
    return true;
  }
  return false;
}

const Importer::GeluStage* Importer::gelu(const ImportedNode& n, int input) const {
  if (n.proto().input_size() <= input) return nullptr;
  auto it = m_gelu.find(n.input(input));
  return it == m_gelu.end() ? nullptr : &it->second;
}

bool Importer::isConstant(const ImportedNode& n, int input, float value) const {
  auto it = m_constants.find(n.input(input));
  return it != m_constants.end() && it->second.numel() == 1 && it->second.dtype() == DType::f32 &&
         std::abs(it->second.data<float>()[0] - value) < 1e-5f * std::max(1.f, value);
}

void Importer::geluStep(const ImportedNode& n) {
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
  } else if (!multipliedByConstant(n)) {
    throw n.error(
        "unsupported op (only between two computed values, by a float constant, or as part of "
        "GELU's erf form)");
  }
}

}  // namespace twb::onnx_import
