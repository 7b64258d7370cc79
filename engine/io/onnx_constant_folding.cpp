#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <set>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace twb::onnx_import {

// Tensors computed from constants alone, folded at import into the constants they hold. From
// opset 11 on PyTorch writes F.pad's pads as ConstantOfShape -> Concat -> Reshape -> Slice
// (reversed) -> Transpose -> Reshape -> Cast of constants; `t.expand(-1, 8, -1)`'s shape as
// ConstantOfShape -> Mul -> Equal -> Where; `(C // heads) ** -0.5` as a size cast to float, then
// Pow; and Swin's shifted-window attention mask as zeros filled region by region (Range,
// ScatterND), windowed (Reshape, Transpose) and compared (Sub, Equal, Not, Where).
namespace {
// Integers (int64 and bool in ONNX, s32 in the engine) and floats, held alike as doubles: exact
// for both. Float results are rounded to float after each op, as a float runtime computes them.
struct Folded {
  Shape shape;
  std::vector<double> values;  // row-major
  bool floating = false;
};

Folded foldedOf(const Tensor& t) {
  Folded f{t.shape(), std::vector<double>(static_cast<size_t>(t.numel())), t.dtype() == DType::f32};
  for (int64_t i = 0; i < t.numel(); ++i)
    f.values[static_cast<size_t>(i)] = f.floating ? t.data<float>()[i] : t.data<int32_t>()[i];
  return f;
}

Tensor tensorOf(const Folded& f) {
  Tensor t(f.shape, f.floating ? DType::f32 : DType::s32);
  for (size_t i = 0; i < f.values.size(); ++i) {
    if (f.floating)
      t.data<float>()[i] = static_cast<float>(f.values[i]);
    else  // past int32 clamped, as toTensor clamps int64: a hostile file's products too
      t.data<int32_t>()[i] = static_cast<int32_t>(std::clamp<double>(
          f.values[i], std::numeric_limits<int32_t>::min(), std::numeric_limits<int32_t>::max()));
  }
  return t;
}

std::vector<int64_t> stridesOf(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

int64_t countOf(const Shape& shape) {
  return std::accumulate(shape.begin(), shape.end(), int64_t{1}, std::multiplies<int64_t>());
}

// The values of `in` gathered into `outShape`: the element at each multi-index `position` of the
// output comes from `in`'s row-major index `sourceIndex(position)`. Transpose, Slice, Gather and
// broadcasting are each one of these.
template <typename SourceIndex>
Folded gathered(const Folded& in, const Shape& outShape, SourceIndex sourceIndex) {
  Folded out{outShape, {}, in.floating};
  const int64_t count = countOf(outShape);
  out.values.reserve(static_cast<size_t>(count));
  std::vector<int64_t> position(outShape.size(), 0);
  for (int64_t i = 0; i < count; ++i) {
    out.values.push_back(in.values[static_cast<size_t>(sourceIndex(position))]);
    for (size_t d = outShape.size(); d-- > 0;) {  // next position, the last axis fastest
      if (++position[d] < outShape[d]) break;
      position[d] = 0;
    }
  }
  return out;
}

// Folded tensors are shapes, pads and masks, or no larger than what they are computed from (a
// weight's Cast): a malformed file's promise of more is refused, not met.
constexpr int64_t kMostValues = 1 << 20;

int64_t elementsOf(const Shape& shape, const ImportedNode& n, int64_t limit) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && count > limit / d))
      throw n.error("a constant of shape " + toString(shape) + " is not folded");
    count *= d;
  }
  return count;
}

void require(bool holds, const ImportedNode& n, const std::string& what) {
  if (!holds) throw n.error(what);
}

int64_t axisIn(int64_t axis, size_t rank, const ImportedNode& n) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) throw n.error("axis " + std::to_string(axis) + " is out of range");
  return axis < 0 ? axis + r : axis;
}

std::vector<int64_t> integers(const Folded& f, const ImportedNode& n, const char* what) {
  require(!f.floating, n, std::string(what) + " must be integers");
  return {f.values.begin(), f.values.end()};
}

double scalar(const Folded& f, const ImportedNode& n, const char* what) {
  require(f.values.size() == 1, n, std::string(what) + " must be one value");
  return f.values[0];
}

// NumPy's broadcasting of `in`, aligned at their last axes, into one shape; each value is
// `combine(values)` of the inputs' values at that position.
template <typename Combine>
Folded broadcast(const std::vector<Folded>& in, const ImportedNode& n, int64_t limit, bool floating,
                 Combine combine) {
  Shape shape;
  for (const Folded& a : in) {
    if (a.shape.size() > shape.size())
      shape.insert(shape.begin(), a.shape.size() - shape.size(), 1);
    const size_t offset = shape.size() - a.shape.size();
    for (size_t d = 0; d < a.shape.size(); ++d) {
      int64_t& size = shape[offset + d];
      require(a.shape[d] == size || a.shape[d] == 1 || size == 1, n,
              "inputs of shapes that do not broadcast");
      if (size == 1) size = a.shape[d];
    }
  }
  elementsOf(shape, n, limit);
  std::vector<Folded> aligned;  // each input gathered to the common shape
  for (const Folded& a : in) {
    const size_t offset = shape.size() - a.shape.size();
    const std::vector<int64_t> strides = stridesOf(a.shape);
    aligned.push_back(gathered(a, shape, [&](const std::vector<int64_t>& at) {
      int64_t index = 0;
      for (size_t d = 0; d < a.shape.size(); ++d)
        if (a.shape[d] != 1) index += at[offset + d] * strides[d];
      return index;
    }));
  }
  Folded out{shape, {}, floating};
  std::vector<double> values(in.size());
  for (size_t i = 0; i < aligned.front().values.size(); ++i) {
    for (size_t k = 0; k < in.size(); ++k) values[k] = aligned[k].values[i];
    const double v = combine(values);
    out.values.push_back(floating ? static_cast<float>(v) : v);
  }
  return out;
}

// ONNX's Add, Sub, Mul, Div, Mod and Pow of two values of one type.
double arithmetic(const std::string& op, double x, double y, bool floating, bool fmod,
                  const ImportedNode& n) {
  if (op == "Add") return x + y;
  if (op == "Sub") return x - y;
  if (op == "Mul") return x * y;
  if (op == "Pow") return std::pow(static_cast<float>(x), static_cast<float>(y));
  if (floating) return op == "Div" ? x / y : std::fmod(x, y);
  if (y == 0) throw n.error("a division by zero");
  if (op == "Div") return std::trunc(x / y);
  const double r = std::fmod(x, y);  // fmod's sign is the dividend's; Mod's, the divisor's
  return fmod || r == 0 || (r < 0) == (y < 0) ? r : r + y;
}

Folded reshaped(const Folded& in, const std::vector<int64_t>& target, const ImportedNode& n,
                int64_t limit) {
  Folded out{{}, in.values, in.floating};
  int64_t known = 1, unknown = -1;
  for (size_t d = 0; d < target.size(); ++d) {
    int64_t size = target[d];
    if (size == 0) {  // 0 keeps the input's size there
      require(d < in.shape.size(), n, "a 0 in the shape past the input's rank");
      size = in.shape[d];
    }
    require(size >= -1 && (size != -1 || unknown < 0), n, "a shape with a bad entry");
    if (size == -1) unknown = static_cast<int64_t>(d);
    out.shape.push_back(size);
    if (size != -1) known *= size;
  }
  const auto count = static_cast<int64_t>(out.values.size());
  if (unknown >= 0) {
    require(known > 0 && count % known == 0, n, "a shape that does not divide the values");
    out.shape[static_cast<size_t>(unknown)] = count / known;
  }
  require(elementsOf(out.shape, n, limit) == count, n, "a shape of another size than its input");
  return out;
}

Folded permuted(const Folded& in, std::vector<int64_t> perm, const ImportedNode& n) {
  if (perm.empty())
    for (size_t d = in.shape.size(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t d = 0; d < sorted.size(); ++d)
    require(sorted.size() == in.shape.size() && sorted[d] == static_cast<int64_t>(d), n,
            "perm is not a permutation of the input's axes");
  const std::vector<int64_t> strides = stridesOf(in.shape);
  Shape shape;
  for (int64_t p : perm) shape.push_back(in.shape.at(static_cast<size_t>(p)));
  return gathered(in, shape, [&](const std::vector<int64_t>& at) {
    int64_t index = 0;
    for (size_t d = 0; d < perm.size(); ++d) index += at[d] * strides[static_cast<size_t>(perm[d])];
    return index;
  });
}

Folded concatenated(const std::vector<Folded>& in, int64_t axis, const ImportedNode& n,
                    int64_t limit) {
  Folded out{in[0].shape, {}, in[0].floating};
  axis = axisIn(axis, out.shape.size(), n);
  out.shape[axis] = 0;
  for (const Folded& a : in) {
    Shape others = a.shape;
    require(others.size() == out.shape.size(), n, "inputs of different ranks");
    out.shape[axis] += a.shape[axis];
    others[axis] = out.shape[axis];
    require(others == out.shape, n, "inputs that differ off the axis");
  }
  elementsOf(out.shape, n, limit);
  const int64_t outer = countOf(Shape(out.shape.begin(), out.shape.begin() + axis));
  for (int64_t o = 0; o < outer; ++o)
    for (const Folded& a : in) {
      const int64_t block = static_cast<int64_t>(a.values.size()) / std::max<int64_t>(outer, 1);
      out.values.insert(out.values.end(), a.values.begin() + o * block,
                        a.values.begin() + (o + 1) * block);
    }
  return out;
}

// Slice, opset 10 on: starts, ends, axes and steps as inputs.
Folded slicedAlong(const std::vector<Folded>& in, const ImportedNode& n) {
  const size_t rank = in[0].shape.size();
  const std::vector<int64_t> starts = integers(in[1], n, "starts");
  const std::vector<int64_t> ends = integers(in[2], n, "ends");
  auto optional = [&](size_t i, const char* what) {
    return in.size() > i && !in[i].values.empty() ? integers(in[i], n, what)
                                                  : std::vector<int64_t>{};
  };
  const std::vector<int64_t> axes = optional(3, "axes"), steps = optional(4, "steps");
  require(ends.size() == starts.size() && (axes.empty() || axes.size() == starts.size()) &&
              (steps.empty() || steps.size() == starts.size()),
          n, "starts, ends, axes and steps of different lengths");
  std::vector<int64_t> first(rank, 0), step(rank, 1);
  Shape shape = in[0].shape;
  for (size_t i = 0; i < starts.size(); ++i) {
    const int64_t axis = axes.empty() ? static_cast<int64_t>(i) : axisIn(axes[i], rank, n);
    const int64_t size = in[0].shape[static_cast<size_t>(axis)];
    const int64_t s = steps.empty() ? 1 : steps[i];
    if (s == 0) throw n.error("a step of 0");
    // ONNX's: negatives count from the end, then clamped (a reversed slice runs from at most the
    // last entry to at least one before the first).
    auto clamp = [&](int64_t v, int64_t lowest, int64_t highest) {
      if (v < 0) v += size;
      return std::max(lowest, std::min(v, highest));
    };
    const int64_t start = s > 0 ? clamp(starts[i], 0, size) : clamp(starts[i], 0, size - 1);
    const int64_t end = s > 0 ? clamp(ends[i], 0, size) : clamp(ends[i], -1, size - 1);
    first[static_cast<size_t>(axis)] = start;
    step[static_cast<size_t>(axis)] = s;
    shape[static_cast<size_t>(axis)] =
        size == 0
            ? 0
            : std::max<int64_t>(0, s > 0 ? (end - start + s - 1) / s : (start - end - s - 1) / -s);
  }
  const std::vector<int64_t> strides = stridesOf(in[0].shape);
  return gathered(in[0], shape, [&](const std::vector<int64_t>& at) {
    int64_t index = 0;
    for (size_t d = 0; d < rank; ++d) index += (first[d] + at[d] * step[d]) * strides[d];
    return index;
  });
}

Folded gatheredAlong(const Folded& data, const Folded& indices, int64_t axis, const ImportedNode& n,
                     int64_t limit) {
  axis = axisIn(axis, data.shape.size(), n);
  const int64_t size = data.shape[static_cast<size_t>(axis)];
  Shape shape(data.shape.begin(), data.shape.begin() + axis);
  shape.insert(shape.end(), indices.shape.begin(), indices.shape.end());
  shape.insert(shape.end(), data.shape.begin() + axis + 1, data.shape.end());
  elementsOf(shape, n, limit);
  const std::vector<int64_t> strides = stridesOf(data.shape),
                             picks = integers(indices, n, "indices");
  const std::vector<int64_t> pickStrides = stridesOf(indices.shape);
  const size_t before = static_cast<size_t>(axis), picked = indices.shape.size();
  return gathered(data, shape, [&](const std::vector<int64_t>& at) {
    int64_t index = 0, pick = 0;
    for (size_t d = 0; d < before; ++d) index += at[d] * strides[d];
    for (size_t d = 0; d < picked; ++d) pick += at[before + d] * pickStrides[d];
    int64_t i = picks[static_cast<size_t>(pick)];
    if (i < -size || i >= size)
      throw n.error("index " + std::to_string(i) + " is out of range for " + std::to_string(size));
    index += (i < 0 ? i + size : i) * strides[before];
    for (size_t d = before + 1; d < data.shape.size(); ++d)
      index += at[d + picked - 1] * strides[d];
    return index;
  });
}

// ScatterND without reduction: each index tuple (the last axis of `indices`) names a slice of
// `data` that the matching slice of `updates` replaces.
Folded scattered(const Folded& data, const Folded& indices, const Folded& updates,
                 const ImportedNode& n) {
  require(!indices.shape.empty(), n, "indices must have at least one axis");
  const auto depth = static_cast<size_t>(indices.shape.back());
  require(depth <= data.shape.size(), n, "index tuples longer than the data's rank");
  const int64_t slice = countOf(Shape(data.shape.begin() + depth, data.shape.end()));
  const int64_t tuples = countOf(Shape(indices.shape.begin(), indices.shape.end() - 1));
  require(static_cast<int64_t>(updates.values.size()) == tuples * slice, n,
          "updates of another size than the slices the indices name");
  const std::vector<int64_t> at = integers(indices, n, "indices"), strides = stridesOf(data.shape);
  Folded out = data;
  for (int64_t t = 0; t < tuples; ++t) {
    int64_t offset = 0;
    for (size_t d = 0; d < depth; ++d) {
      int64_t i = at[static_cast<size_t>(t) * depth + d];
      const int64_t size = data.shape[d];
      if (i < -size || i >= size)
        throw n.error("index " + std::to_string(i) + " is out of range for " +
                      std::to_string(size));
      offset += (i < 0 ? i + size : i) * strides[d];
    }
    std::copy_n(updates.values.begin() + t * slice, slice, out.values.begin() + offset);
  }
  return out;
}

// Squeeze removes axes of size 1 (all of them when none are named); Unsqueeze inserts them.
Folded squeezed(const Folded& in, std::vector<int64_t> axes, bool unsqueeze,
                const ImportedNode& n) {
  Folded out = in;
  if (unsqueeze) {
    const size_t rank = in.shape.size() + axes.size();
    for (int64_t& a : axes) a = axisIn(a, rank, n);
    std::sort(axes.begin(), axes.end());
    require(std::adjacent_find(axes.begin(), axes.end()) == axes.end(), n, "an axis named twice");
    for (int64_t a : axes) out.shape.insert(out.shape.begin() + a, 1);
    return out;
  }
  for (int64_t& a : axes) a = axisIn(a, in.shape.size(), n);
  out.shape.clear();
  for (size_t d = 0; d < in.shape.size(); ++d) {
    const bool named = std::count(axes.begin(), axes.end(), static_cast<int64_t>(d)) > 0;
    if (named) require(in.shape[d] == 1, n, "a squeezed axis of size other than 1");
    if (!(named || (axes.empty() && in.shape[d] == 1))) out.shape.push_back(in.shape[d]);
  }
  return out;
}
}  // namespace

bool Importer::foldConstants(const ImportedNode& n) {
  static const std::set<std::string> kFoldable{"Shape",   "ConstantOfShape",
                                               "Concat",  "Reshape",
                                               "Slice",   "Transpose",
                                               "Squeeze", "Unsqueeze",
                                               "Expand",  "Gather",
                                               "Range",   "ScatterND",
                                               "Cast",    "Add",
                                               "Sub",     "Mul",
                                               "Div",     "Mod",
                                               "Pow",     "Sqrt",
                                               "Equal",   "Not",
                                               "Where"};
  const std::string& op = n.proto().op_type();
  if (!kFoldable.count(op) || n.proto().input_size() == 0) return false;
  // A weight's Transpose (2-D) is Importer::transposed's, not copied through doubles.
  if (op == "Transpose") {
    const auto weight = m_constants.find(n.proto().input(0));
    if (weight != m_constants.end() && weight->second.dtype() == DType::f32 &&
        weight->second.shape().size() == 2)
      return false;
  }
  std::vector<Folded> in;
  for (const std::string& name : n.proto().input()) {
    if (name.empty()) {  // an optional input left out
      in.emplace_back();
      continue;
    }
    const auto it = m_constants.find(name);
    if (it == m_constants.end() ||
        (it->second.dtype() != DType::s32 && it->second.dtype() != DType::f32))
      return false;
    in.push_back(foldedOf(it->second));
  }
  int64_t limit = kMostValues;
  for (const Folded& a : in) limit = std::max(limit, static_cast<int64_t>(a.values.size()));
  const auto inputs = [&](size_t count) {
    require(in.size() >= count &&
                std::all_of(in.begin(), in.begin() + count,
                            [](const Folded& a) { return !a.shape.empty() || !a.values.empty(); }),
            n, "needs " + std::to_string(count) + " inputs");
  };
  static const std::set<std::string> kThreeInputs{"Where", "Range", "ScatterND", "Slice"};
  static const std::set<std::string> kOneInput{"Shape",   "ConstantOfShape", "Concat", "Transpose",
                                               "Squeeze", "Unsqueeze",       "Cast",   "Sqrt",
                                               "Not"};
  inputs(kThreeInputs.count(op) ? 3 : kOneInput.count(op) ? 1 : 2);
  // Opsets before 13 name Squeeze's and Unsqueeze's axes as an attribute.
  const auto axes = [&] {
    return in.size() > 1 ? integers(in[1], n, "axes") : n.integers("axes", {});
  };
  Folded out;
  if (op == "Shape") {
    const auto rank = static_cast<int64_t>(in[0].shape.size());
    const int64_t begin = n.integer("start", 0), end = n.integer("end", rank);
    const int64_t b = std::clamp<int64_t>(begin < 0 ? begin + rank : begin, 0, rank);
    const int64_t e = std::clamp<int64_t>(end < 0 ? end + rank : end, b, rank);
    out.shape = {e - b};
    out.values.assign(in[0].shape.begin() + b, in[0].shape.begin() + e);
  } else if (op == "ConstantOfShape") {
    require(in[0].shape.size() == 1, n, "its shape must be a 1-D tensor");
    out.floating = true;  // ONNX's default fill: a float 0
    double fill = 0;
    for (const auto& a : n.proto().attribute())
      if (a.name() == "value") {
        const Folded value = foldedOf(toTensor(a.t(), n.name()));
        fill = scalar(value, n, "value");
        out.floating = value.floating;
      }
    const std::vector<int64_t> shape = integers(in[0], n, "the shape");
    out.shape = Shape(shape.begin(), shape.end());
    out.values.assign(static_cast<size_t>(elementsOf(out.shape, n, limit)), fill);
  } else if (op == "Where") {
    out = broadcast(in, n, limit, in[1].floating,
                    [](const std::vector<double>& v) { return v[0] != 0 ? v[1] : v[2]; });
  } else if (op == "Equal") {
    out = broadcast(in, n, limit, false, [](const std::vector<double>& v) { return v[0] == v[1]; });
  } else if (op == "Not") {
    out = in[0];
    for (double& v : out.values) v = v == 0;
  } else if (op == "Sqrt") {
    out = in[0];
    for (double& v : out.values) v = std::sqrt(static_cast<float>(v));
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Mod" ||
             op == "Pow") {
    const bool floating = in[0].floating;
    const bool fmod = n.integer("fmod", 0) != 0;
    require(op != "Mod" || !floating || fmod, n, "a Mod of floats needs fmod=1");
    out = broadcast(in, n, limit, floating, [&](const std::vector<double>& v) {
      return arithmetic(op, v[0], v[1], floating, fmod, n);
    });
  } else if (op == "Cast") {
    const int64_t to = n.integer("to", 0);
    out = in[0];
    if (to == onnx::TensorProto::FLOAT || to == onnx::TensorProto::DOUBLE) {
      out.floating = true;
      for (double& v : out.values) v = static_cast<float>(v);
    } else if (to == onnx::TensorProto::INT64 || to == onnx::TensorProto::INT32) {
      out.floating = false;
      for (double& v : out.values) v = std::trunc(v);
    } else if (to == onnx::TensorProto::BOOL) {
      out.floating = false;
      for (double& v : out.values) v = v != 0;
    } else {
      return false;
    }
  } else if (op == "Concat") {
    out = concatenated(in, n.integer("axis", 0), n, limit);
  } else if (op == "Reshape") {
    out = reshaped(in[0], integers(in[1], n, "the shape"), n, limit);
  } else if (op == "Transpose") {
    out = permuted(in[0], n.integers("perm", {}), n);
  } else if (op == "Slice") {
    out = slicedAlong(in, n);
  } else if (op == "Squeeze" || op == "Unsqueeze") {
    out = squeezed(in[0], axes(), op == "Unsqueeze", n);
  } else if (op == "Expand") {
    const std::vector<int64_t> shape = integers(in[1], n, "the shape");
    const Shape target(shape.begin(), shape.end());
    const Folded sized{
        target, std::vector<double>(static_cast<size_t>(elementsOf(target, n, limit))), false};
    out = broadcast({in[0], sized}, n, limit, in[0].floating,
                    [](const std::vector<double>& v) { return v[0]; });
  } else if (op == "Gather") {
    out = gatheredAlong(in[0], in[1], n.integer("axis", 0), n, limit);
  } else if (op == "Range") {
    const double start = scalar(in[0], n, "start"), limit = scalar(in[1], n, "limit"),
                 delta = scalar(in[2], n, "delta");
    require(delta != 0 && std::isfinite(start) && std::isfinite(limit) && std::isfinite(delta), n,
            "start, limit and delta must be finite, delta not 0");
    const auto count = static_cast<int64_t>(std::max(0.0, std::ceil((limit - start) / delta)));
    out.shape = {count};
    elementsOf(out.shape, n, limit);
    out.floating = in[0].floating;
    for (int64_t i = 0; i < count; ++i)
      out.values.push_back(start + static_cast<double>(i) * delta);
  } else {  // ScatterND
    require(n.text("reduction", "none") == "none", n, "only ScatterND without reduction is folded");
    out = scattered(in[0], in[1], in[2], n);
  }
  m_constants[n.output()] = tensorOf(out);
  for (const std::string& name : n.proto().input())
    if (m_learned.count(name)) m_learned.insert(n.output());
  return true;
}

}  // namespace twb::onnx_import
