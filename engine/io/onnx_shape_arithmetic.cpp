#include "io/onnx_shape_arithmetic.h"

#include <algorithm>
#include <limits>

#include "io/onnx_importer.h"

namespace twb {

namespace {
// ONNX's integer inputs and attributes: a negative index counts from the end.
int64_t wrapIndex(const ImportedNode& n, int64_t i, size_t size) {
  const int64_t s = static_cast<int64_t>(size);
  if (i < -s || i >= s)
    throw n.error("index " + std::to_string(i) + " is out of range for " + std::to_string(s) +
                  " values");
  return i < 0 ? i + s : i;
}

// The size NumPy broadcasting gives operands of these sizes (each the size or 1).
size_t broadcastSize(const ImportedNode& n, std::initializer_list<size_t> sizes) {
  const size_t size = std::max(sizes);
  for (size_t s : sizes)
    if (s != size && s != 1) {
      std::string list;
      for (size_t t : sizes) list += (list.empty() ? "" : ", ") + std::to_string(t);
      throw n.error("operands of " + list + " values do not broadcast");
    }
  return size;
}

// ConstantOfShape's integer fill (0 when the attribute is left out).
int64_t integerFill(const ImportedNode& n) {
  for (const auto& a : n.proto().attribute())
    if (a.name() == "value") {
      const Tensor value = onnx_import::toTensor(a.t(), n.name());
      if (value.dtype() != DType::s32 || value.numel() != 1)
        throw n.error("a ConstantOfShape in shape arithmetic must fill with one integer");
      return value.data<int32_t>()[0];
    }
  return 0;
}

// Shapes computed from shapes have at most this many entries.
constexpr int64_t kMaxShapeRank = 16;

}  // namespace

std::vector<int64_t> plainValues(const ImportedNode& n, const std::vector<SymbolicDim>& dims) {
  std::vector<int64_t> out;
  for (const SymbolicDim& d : dims) {
    if (d.batch != 0) throw n.error("an index or axis that depends on the batch is not supported");
    out.push_back(d.value);
  }
  return out;
}

const std::vector<SymbolicDim>* ShapeArithmetic::find(const std::string& name) const {
  auto it = m_values.find(name);
  return it == m_values.end() ? nullptr : &it->second.dims;
}

std::optional<Tensor> ShapeArithmetic::constantOf(const ImportedNode& n) const {
  auto it = m_values.find(n.output());
  if (it == m_values.end()) return std::nullopt;
  const std::vector<SymbolicDim>& dims = it->second.dims;
  if (std::any_of(dims.begin(), dims.end(), [](SymbolicDim d) { return d.batch != 0; }))
    return std::nullopt;
  Tensor t(it->second.scalar ? Shape{} : Shape{static_cast<int64_t>(dims.size())}, DType::s32);
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i].value < std::numeric_limits<int32_t>::min() ||
        dims[i].value > std::numeric_limits<int32_t>::max())
      throw n.error("computes " + std::to_string(dims[i].value) +
                    ", past the 32-bit integers of the engine's shape arithmetic (a size given "
                    "for an input too large for this model?)");
    t.data<int32_t>()[i] = static_cast<int32_t>(dims[i].value);
  }
  return t;
}

const ShapeArithmetic::Folded* ShapeArithmetic::operand(
    const std::string& name, const std::map<std::string, Tensor>& constants) {
  if (auto it = m_values.find(name); it != m_values.end()) return &it->second;
  auto c = constants.find(name);
  if (c == constants.end() || c->second.dtype() != DType::s32) return nullptr;
  Folded& f = m_constants[name];
  f.scalar = c->second.shape().empty();
  f.dims.clear();
  for (int64_t i = 0; i < c->second.numel(); ++i)
    f.dims.push_back({0, c->second.data<int32_t>()[i]});
  return &f;
}

bool ShapeArithmetic::fold(const ImportedNode& n, const std::map<std::string, Tensor>& constants,
                           const ShapeOf& shapeOf) {
  const std::string& op = n.proto().op_type();
  const std::string out = n.output();
  if (op == "Shape") {
    if (const auto* shape = find(n.input(0))) {  // the shape of a shape: its length
      m_values[out] = {{{0, static_cast<int64_t>(shape->size())}}, false};
      return true;
    }
    if (operand(n.input(0), constants)) return false;  // of an integer constant: not folded here
    Folded f;
    f.dims = shapeOf(n.input(0));
    // Since opset 15 a Shape may keep a range of dimensions.
    const int64_t rank = static_cast<int64_t>(f.dims.size());
    const int64_t begin = n.integer("start", 0), end = n.integer("end", rank);
    const int64_t b = std::clamp<int64_t>(begin < 0 ? begin + rank : begin, 0, rank);
    const int64_t e = std::clamp<int64_t>(end < 0 ? end + rank : end, b, rank);
    f.dims = {f.dims.begin() + b, f.dims.begin() + e};
    m_values[out] = f;
    return true;
  }
  static const char* kFolded[] = {
      "Gather", "Unsqueeze", "Squeeze", "Concat",  "Slice",           "Cast",  "Add",  "Sub",
      "Mul",    "Div",       "Mod",     "Reshape", "ConstantOfShape", "Equal", "Where"};
  if (std::find(std::begin(kFolded), std::end(kFolded), op) == std::end(kFolded)) return false;
  // Folded only when one input is folded and every other is folded or an integer constant.
  std::vector<const Folded*> in;
  bool anyFolded = false;
  for (int i = 0; i < n.proto().input_size(); ++i) {
    if (n.input(i).empty()) {
      in.push_back(nullptr);
      continue;
    }
    anyFolded = anyFolded || m_values.count(n.input(i));
    in.push_back(operand(n.input(i), constants));
    if (!in.back()) return false;
  }
  if (!anyFolded) return false;
  static const char* kTwoInputs[] = {"Add", "Sub",   "Mul",     "Div",
                                     "Mod", "Equal", "Reshape", "Gather"};
  const size_t needed =
      op == "Where"                                                                         ? 3
      : std::find(std::begin(kTwoInputs), std::end(kTwoInputs), op) != std::end(kTwoInputs) ? 2
                                                                                            : 1;
  if (in.size() < needed ||
      std::any_of(in.begin(), in.begin() + needed, [](const Folded* f) { return f == nullptr; }))
    throw n.error("needs " + std::to_string(needed) + " inputs");
  Folded f;
  if (op == "Cast") {
    f = *in[0];
  } else if (op == "Reshape") {
    // A 1-D shape reshaped to itself ([-1] or its length), as `x.expand(n, -1, -1)` writes it.
    if (!m_values.count(n.input(0))) return false;
    const std::vector<int64_t> target = plainValues(n, in[1]->dims);
    const auto size = static_cast<int64_t>(in[0]->dims.size());
    if (in[0]->scalar || target.size() != 1 || (target[0] != -1 && target[0] != size))
      throw n.error("only a Reshape of a 1-D shape to itself is supported in shape arithmetic");
    f.dims = in[0]->dims;
  } else if (op == "ConstantOfShape") {
    const std::vector<int64_t> shape = plainValues(n, in[0]->dims);
    if (shape.size() != 1 || shape[0] < 0 || shape[0] > kMaxShapeRank)
      throw n.error("only a 1-D ConstantOfShape of at most " + std::to_string(kMaxShapeRank) +
                    " values is supported in shape arithmetic");
    f.dims.assign(static_cast<size_t>(shape[0]), {0, integerFill(n)});
  } else if (op == "Where") {
    const std::vector<int64_t> condition = plainValues(n, in[0]->dims);
    const size_t size =
        broadcastSize(n, {condition.size(), in[1]->dims.size(), in[2]->dims.size()});
    for (size_t i = 0; i < size; ++i)
      f.dims.push_back(condition[condition.size() == 1 ? 0 : i] ? entry(*in[1], i)
                                                                : entry(*in[2], i));
    f.scalar = in[0]->scalar && in[1]->scalar && in[2]->scalar;
  } else if (op == "Gather") {
    if (n.integer("axis", 0) != 0 || in[0]->scalar)
      throw n.error("only a Gather from a 1-D shape is supported");
    for (int64_t i : plainValues(n, in[1]->dims))
      f.dims.push_back(in[0]->dims[wrapIndex(n, i, in[0]->dims.size())]);
    f.scalar = in[1]->scalar;
  } else if (op == "Unsqueeze" || op == "Squeeze") {
    // Axes: an attribute before opset 13, an input since. Only scalar <-> 1-D is shape arithmetic.
    std::vector<int64_t> axes = n.integers("axes", {0});
    if (in.size() > 1 && in[1]) axes = plainValues(n, in[1]->dims);
    const bool unsqueeze = op == "Unsqueeze";
    if (axes != std::vector<int64_t>{0} || in[0]->scalar != unsqueeze ||
        (!unsqueeze && in[0]->dims.size() != 1))
      throw n.error("only " +
                    std::string(unsqueeze ? "a scalar's Unsqueeze" : "a 1-value Squeeze") +
                    " on axis 0 is supported in shape arithmetic");
    f.dims = in[0]->dims;
    f.scalar = !unsqueeze;
  } else if (op == "Concat") {
    for (const Folded* part : in) {
      if (!part) throw n.error("an input left empty");
      f.dims.insert(f.dims.end(), part->dims.begin(), part->dims.end());
    }
  } else if (op == "Slice") {
    // starts, ends, axes, steps: attributes before opset 10, inputs since.
    auto ints = [&](int input, const char* attr, std::vector<int64_t> fallback) {
      if (static_cast<int>(in.size()) > input && in[input]) return plainValues(n, in[input]->dims);
      return n.integers(attr, fallback);
    };
    const auto starts = ints(1, "starts", {}), ends = ints(2, "ends", {});
    const auto axes = ints(3, "axes", {0}), steps = ints(4, "steps", {1});
    if (starts.size() != 1 || ends.size() != 1 || axes != std::vector<int64_t>{0} ||
        steps != std::vector<int64_t>{1})
      throw n.error("only a Slice of a 1-D shape with step 1 is supported");
    const int64_t size = static_cast<int64_t>(in[0]->dims.size());
    auto clampIndex = [&](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + size : i, 0, size); };
    const int64_t b = clampIndex(starts[0]), e = std::max(b, clampIndex(ends[0]));
    f.dims = {in[0]->dims.begin() + b, in[0]->dims.begin() + e};
  } else {
    f = arithmetic(n, *in[0], *in[1]);
  }
  m_values[out] = f;
  return true;
}

ShapeArithmetic::Folded ShapeArithmetic::arithmetic(const ImportedNode& n, const Folded& a,
                                                    const Folded& b) const {
  const std::string& op = n.proto().op_type();
  const size_t size = broadcastSize(n, {a.dims.size(), b.dims.size()});
  Folded f;
  f.scalar = a.scalar && b.scalar;
  for (size_t i = 0; i < size; ++i) {
    const SymbolicDim x = entry(a, i), y = entry(b, i);
    SymbolicDim r;
    if (op == "Equal") {
      // Sizes of different multiples of the batch are equal for at most one batch size: an
      // answer that holds for every batch needs that one not to be a batch (N >= 1).
      const int64_t slope = x.batch - y.batch, offset = y.value - x.value;
      if (slope == 0) {
        r.value = offset == 0;
      } else if (offset % slope == 0 && offset / slope >= 1) {
        throw n.error("a comparison whose answer depends on the batch size is not supported");
      }
    } else if (op == "Add" || op == "Sub") {
      const int64_t sign = op == "Add" ? 1 : -1;
      r = {x.batch + sign * y.batch, x.value + sign * y.value};
    } else if (op == "Mul") {
      if (x.batch != 0 && y.batch != 0)
        throw n.error("a product of two batch sizes is not supported");
      r = {x.batch * y.value + y.batch * x.value, x.value * y.value};
    } else if (op == "Mod") {
      // Swin's window padding, (window - W % window) % window: a multiple of the batch that the
      // divisor divides leaves the same remainder for every batch.
      if (n.integer("fmod", 0) != 0 || y.batch != 0 || y.value == 0 || x.batch % y.value != 0)
        throw n.error(
            "only an integer Mod by a constant that divides the batch's multiple is "
            "supported in shape arithmetic");
      r.value = x.value % y.value;
      if (r.value != 0 && (r.value < 0) != (y.value < 0)) r.value += y.value;  // the divisor's sign
    } else {  // Div: exact, or the batch could not be kept apart
      if (y.batch != 0 || y.value == 0 || x.batch % y.value != 0 ||
          (x.batch != 0 && x.value % y.value != 0))
        throw n.error("a division of a size that depends on the batch is not supported");
      r = {x.batch / y.value, x.value / y.value};
    }
    f.dims.push_back(r);
  }
  return f;
}

}  // namespace twb
