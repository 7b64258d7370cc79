#pragma once

// ONNX values whose batch is not alone on axis 0. nn.MultiheadAttention works sequence first,
// (T, N, E), and folds the heads into the batch, (N * heads, T, d); the engine keeps every value
// batch first. Such a value is held as an engine value and a view of it: ONNX axis i is the
// engine value's axes groups[i], in that order, merged into one. Transposes and Reshapes change
// only the view; ops along one axis run on the engine value; a reader that needs the ONNX form
// itself gets it once the view is the engine value, batch first.

#include <optional>
#include <string>
#include <vector>

#include "core/shape.h"
#include "io/onnx_shape_arithmetic.h"

namespace twb {

struct BatchLayout {
  std::string engine;                        // the engine value, batch first
  std::vector<SymbolicDim> sizes;            // of its axes; sizes[0] is the batch, {1, 0}
  std::vector<std::vector<int64_t>> groups;  // ONNX axis -> engine axes; the rest are of size 1

  // The view of an engine value that is its own ONNX form.
  static BatchLayout of(std::string engine, const Shape& shape);

  std::vector<SymbolicDim> onnxShape() const;
  // The engine value itself: every ONNX axis i is engine axis i, none left out.
  bool isEngineForm() const;
  // ONNX's Transpose of the viewed value. Throws twb::Error on a perm that is no permutation.
  BatchLayout transposed(const std::vector<int64_t>& perm) const;
  // The engine axis ONNX axis `axis` (negative from the end) is alone on, or nullopt when it
  // merges several or is the batch's.
  std::optional<int64_t> soleAxis(int64_t axis) const;
};

// A change of the engine value: a Transpose that keeps the batch first, then a Reshape (sizes
// after the batch); each optional. `result` views the changed value (its engine name is the
// caller's to give).
struct LayoutChange {
  std::vector<int64_t> perm;
  std::optional<Shape> reshape;
  BatchLayout result;
};

// ONNX's Reshape of the viewed value to `target` (no 0 or -1 entries): the engine value's axes
// split where a target dimension cuts one, then grouped. Throws twb::Error naming the dimension
// when that would split the batch or needs a reorder.
LayoutChange reshapedLayout(const BatchLayout& layout, const std::vector<SymbolicDim>& target);

// The engine value rearranged to the view's order: the batch first, every other axis in the
// order the ONNX axes name them, each run of them within one ONNX axis merged, the axes of size 1
// that no ONNX axis names dropped.
LayoutChange normalisedLayout(const BatchLayout& layout);

// a * b, and a / b when exact; sizes are the batch times a constant, or a constant.
SymbolicDim product(SymbolicDim a, SymbolicDim b);
std::optional<SymbolicDim> quotient(SymbolicDim a, SymbolicDim b);

}  // namespace twb
