#include <algorithm>
#include <numeric>
#include <set>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace twb::onnx_import {

// Integer tensors computed from constants alone, folded at import into the constants they hold:
// from opset 11 on PyTorch writes F.pad's pads as ConstantOfShape -> Concat -> Reshape -> Slice
// (reversed) -> Transpose -> Reshape -> Cast of constants, for the Pad that reads them, and
// `t.expand(-1, 8, -1)`'s shape as ConstantOfShape -> Mul -> Equal -> Where.
namespace {
struct IntArray {
  Shape shape;
  std::vector<int64_t> values;  // row-major
};

IntArray arrayOf(const Tensor& t) {
  IntArray a{t.shape(), std::vector<int64_t>(static_cast<size_t>(t.numel()))};
  for (int64_t i = 0; i < t.numel(); ++i) a.values[static_cast<size_t>(i)] = t.data<int32_t>()[i];
  return a;
}

Tensor tensorOf(const IntArray& a) {
  Tensor t(a.shape, DType::s32);
  for (size_t i = 0; i < a.values.size(); ++i)
    t.data<int32_t>()[i] = static_cast<int32_t>(a.values[i]);
  return t;
}

std::vector<int64_t> stridesOf(const Shape& shape) {
  std::vector<int64_t> strides(shape.size(), 1);
  for (size_t d = shape.size(); d-- > 1;) strides[d - 1] = strides[d] * shape[d];
  return strides;
}

// The row-major index, in `shape`, of each element of `out` (whose element at `position`, a
// multi-index, comes from `sourceIndex(position)`): the common loop of transpose and slice.
template <typename SourceIndex>
IntArray gathered(const IntArray& in, const Shape& outShape, SourceIndex sourceIndex) {
  IntArray out{outShape, {}};
  const int64_t count =
      std::accumulate(outShape.begin(), outShape.end(), int64_t{1}, std::multiplies<int64_t>());
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

// Folded tensors are shapes and pads: a malformed file's promise of more is refused, not met.
constexpr int64_t kMostValues = 1 << 20;

int64_t elementsOf(const Shape& shape, const ImportedNode& n) {
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && count > kMostValues / d))
      throw n.error("a constant of shape " + toString(shape) + " is not folded");
    count *= d;
  }
  return count;
}

void require(bool holds, const ImportedNode& n, const std::string& what) {
  if (!holds) throw n.error(what);
}

// NumPy's broadcasting of `in`, aligned at their last axes, into one shape; each value is
// `combine(values)` of the inputs' values at that position.
template <typename Combine>
IntArray broadcast(const std::vector<IntArray>& in, const ImportedNode& n, Combine combine) {
  Shape shape;
  for (const IntArray& a : in) {
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
  elementsOf(shape, n);
  std::vector<IntArray> aligned;  // each input gathered to the common shape
  for (const IntArray& a : in) {
    const size_t offset = shape.size() - a.shape.size();
    const std::vector<int64_t> strides = stridesOf(a.shape);
    aligned.push_back(gathered(a, shape, [&](const std::vector<int64_t>& at) {
      int64_t index = 0;
      for (size_t d = 0; d < a.shape.size(); ++d)
        if (a.shape[d] != 1) index += at[offset + d] * strides[d];
      return index;
    }));
  }
  IntArray out{shape, {}};
  std::vector<int64_t> values(in.size());
  for (size_t i = 0; i < aligned.front().values.size(); ++i) {
    for (size_t k = 0; k < in.size(); ++k) values[k] = aligned[k].values[i];
    out.values.push_back(combine(values));
  }
  return out;
}

int64_t axisIn(int64_t axis, size_t rank, const ImportedNode& n) {
  const int64_t r = static_cast<int64_t>(rank);
  if (axis < -r || axis >= r) throw n.error("axis " + std::to_string(axis) + " is out of range");
  return axis < 0 ? axis + r : axis;
}
}  // namespace

bool Importer::foldIntegerConstants(const ImportedNode& n) {
  static const std::set<std::string> kFoldable{"ConstantOfShape",
                                               "Concat",
                                               "Reshape",
                                               "Slice",
                                               "Transpose",
                                               "Cast",
                                               "Add",
                                               "Sub",
                                               "Mul",
                                               "Div",
                                               "Equal",
                                               "Where"};
  const std::string& op = n.proto().op_type();
  if (!kFoldable.count(op) || n.proto().input_size() == 0) return false;
  std::vector<IntArray> in;
  for (const std::string& name : n.proto().input()) {
    if (name.empty()) {  // an optional input left out
      in.emplace_back();
      continue;
    }
    const auto it = m_constants.find(name);
    if (it == m_constants.end() || it->second.dtype() != DType::s32) return false;
    in.push_back(arrayOf(it->second));
  }
  const auto inputs = [&](size_t count) {
    require(in.size() >= count && std::all_of(in.begin(), in.begin() + count,
                                              [](const IntArray& a) {
                                                return !a.shape.empty() || !a.values.empty();
                                              }),
            n, "needs " + std::to_string(count) + " inputs");
  };
  IntArray out;
  if (op == "ConstantOfShape") {
    inputs(1);
    require(in[0].shape.size() == 1, n, "its shape must be a 1-D tensor");
    int64_t fill = 0;
    for (const auto& a : n.proto().attribute())
      if (a.name() == "value") {
        const Tensor value = toTensor(a.t(), n.name());
        if (value.dtype() != DType::s32 || value.numel() != 1) return false;  // floats: not ints
        fill = value.data<int32_t>()[0];
      }
    out.shape = Shape(in[0].values.begin(), in[0].values.end());
    out.values.assign(static_cast<size_t>(elementsOf(out.shape, n)), fill);
  } else if (op == "Where") {
    inputs(3);
    out = broadcast(in, n, [](const std::vector<int64_t>& v) { return v[0] ? v[1] : v[2]; });
  } else if (op == "Add" || op == "Sub" || op == "Mul" || op == "Div" || op == "Equal") {
    // `t.expand(-1, 8, -1)` of constants: its -1s become 1s through Mul, Equal and Where.
    inputs(2);
    out = broadcast(in, n, [&](const std::vector<int64_t>& v) -> int64_t {
      if (op == "Add") return v[0] + v[1];
      if (op == "Sub") return v[0] - v[1];
      if (op == "Mul") return v[0] * v[1];
      if (op == "Equal") return v[0] == v[1];
      if (v[1] == 0) throw n.error("a division by zero");
      return v[0] / v[1];  // ONNX's integer Div truncates
    });
  } else if (op == "Cast") {
    const int64_t to = n.integer("to", 0);
    if (to != onnx::TensorProto::INT64 && to != onnx::TensorProto::INT32) return false;
    out = in[0];
  } else if (op == "Concat") {
    inputs(in.size());
    const int64_t axis = axisIn(n.integer("axis", 0), in[0].shape.size(), n);
    out.shape = in[0].shape;
    out.shape[axis] = 0;
    for (const IntArray& a : in) {
      Shape others = a.shape;
      require(others.size() == out.shape.size(), n, "inputs of different ranks");
      out.shape[axis] += a.shape[axis];
      others[axis] = out.shape[axis];
      require(others == out.shape, n, "inputs that differ off the axis");
    }
    elementsOf(out.shape, n);
    const int64_t outer = std::accumulate(out.shape.begin(), out.shape.begin() + axis, int64_t{1},
                                          std::multiplies<int64_t>());
    for (int64_t o = 0; o < outer; ++o)
      for (const IntArray& a : in) {
        const int64_t block = static_cast<int64_t>(a.values.size()) / std::max<int64_t>(outer, 1);
        out.values.insert(out.values.end(), a.values.begin() + o * block,
                          a.values.begin() + (o + 1) * block);
      }
  } else if (op == "Reshape") {
    inputs(2);
    out.values = in[0].values;
    int64_t known = 1, unknown = -1;
    for (size_t d = 0; d < in[1].values.size(); ++d) {
      int64_t size = in[1].values[d];
      if (size == 0) {  // 0 keeps the input's size there
        require(d < in[0].shape.size(), n, "a 0 in the shape past the input's rank");
        size = in[0].shape[d];
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
    require(elementsOf(out.shape, n) == count, n, "a shape of another size than its input");
  } else if (op == "Transpose") {
    inputs(1);
    std::vector<int64_t> perm = n.integers("perm", {});
    if (perm.empty())
      for (size_t d = in[0].shape.size(); d-- > 0;) perm.push_back(static_cast<int64_t>(d));
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    for (size_t d = 0; d < sorted.size(); ++d)
      require(sorted.size() == in[0].shape.size() && sorted[d] == static_cast<int64_t>(d), n,
              "perm is not a permutation of the input's axes");
    const std::vector<int64_t> strides = stridesOf(in[0].shape);
    Shape shape;
    for (int64_t p : perm) shape.push_back(in[0].shape.at(static_cast<size_t>(p)));
    out = gathered(in[0], shape, [&](const std::vector<int64_t>& at) {
      int64_t index = 0;
      for (size_t d = 0; d < perm.size(); ++d)
        index += at[d] * strides[static_cast<size_t>(perm[d])];
      return index;
    });
  } else {  // Slice (opset 10 on: starts, ends, axes and steps as inputs)
    if (in.size() < 3) return false;
    inputs(3);
    const size_t rank = in[0].shape.size();
    const size_t sliced = in[1].values.size();
    for (size_t i = 2; i < in.size(); ++i)
      require(in[i].values.empty() ? i > 2 : in[i].values.size() == sliced, n,
              "starts, ends, axes and steps of different lengths");
    std::vector<int64_t> first(rank, 0), step(rank, 1);
    Shape shape = in[0].shape;
    for (size_t i = 0; i < in[1].values.size(); ++i) {
      const int64_t axis = in.size() > 3 && !in[3].values.empty() ? axisIn(in[3].values[i], rank, n)
                                                                  : static_cast<int64_t>(i);
      const int64_t size = in[0].shape[static_cast<size_t>(axis)];
      const int64_t s = in.size() > 4 && !in[4].values.empty() ? in[4].values[i] : 1;
      if (s == 0) throw n.error("a step of 0");
      // ONNX's: negatives count from the end, then clamped (a reversed slice runs from at
      // most the last entry to at least one before the first).
      auto clamp = [&](int64_t v, int64_t lowest, int64_t highest) {
        if (v < 0) v += size;
        return std::max(lowest, std::min(v, highest));
      };
      const int64_t start =
          s > 0 ? clamp(in[1].values[i], 0, size) : clamp(in[1].values[i], 0, size - 1);
      const int64_t end =
          s > 0 ? clamp(in[2].values[i], 0, size) : clamp(in[2].values[i], -1, size - 1);
      first[static_cast<size_t>(axis)] = start;
      step[static_cast<size_t>(axis)] = s;
      shape[static_cast<size_t>(axis)] =
          size == 0 ? 0
                    : std::max<int64_t>(
                          0, s > 0 ? (end - start + s - 1) / s : (start - end - s - 1) / -s);
    }
    const std::vector<int64_t> strides = stridesOf(in[0].shape);
    out = gathered(in[0], shape, [&](const std::vector<int64_t>& at) {
      int64_t index = 0;
      for (size_t d = 0; d < rank; ++d) index += (first[d] + at[d] * step[d]) * strides[d];
      return index;
    });
  }
  m_constants[n.output()] = tensorOf(out);
  return true;
}

}  // namespace twb::onnx_import
