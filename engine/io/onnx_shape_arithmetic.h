#pragma once

// Shape arithmetic as PyTorch exports it: `x.view(x.size(0), -1)` or `B, T, C = x.shape;
// x.reshape(B, T, h, C // h)` becomes Shape -> Gather -> Unsqueeze -> Concat -> Reshape, with Mul,
// Div, Slice and Cast between; `t.expand(n, -1, -1)` adds Reshape, Shape, ConstantOfShape, Equal
// and Where on the shape, which replace each -1 with 1. The engine computes no integer tensors;
// these nodes are folded at import into the values they hold, each a multiple of the batch plus a
// constant.

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/shape.h"
#include "core/tensor.h"
#include "io/onnx_imported_node.h"

namespace twb {

// A dimension as the batch size N makes it: batch * N + value.
struct SymbolicDim {
  int64_t batch = 0;
  int64_t value = 0;
};

// Folded values as plain integers (indices, axes, sizes); throws naming the node where one
// depends on the batch.
std::vector<int64_t> plainValues(const ImportedNode& n, const std::vector<SymbolicDim>& dims);

class ShapeArithmetic {
 public:
  // The ONNX shape of a computed value, the batch where it is.
  using ShapeOf = std::function<std::vector<SymbolicDim>(const std::string& value)>;

  // Folds `n` when it is shape arithmetic: a Shape of a computed value, or an integer op whose
  // inputs are folded values and integer constants. Returns false for any other node; throws
  // twb::Error naming the node where the arithmetic is of a form the engine cannot keep (a
  // product of two batch sizes, a division that splits the batch).
  bool fold(const ImportedNode& n, const std::map<std::string, Tensor>& constants,
            const ShapeOf& shapeOf);

  // The values a folded 1-D tensor holds, or null when `name` is not one.
  const std::vector<SymbolicDim>* find(const std::string& name) const;

  // The output of `n`, folded, when it does not depend on the batch: the integer constant it is
  // (sizes of axes the batch is not on, and what is computed from them: Swin's window padding);
  // null otherwise. Throws naming `n` for a value past the engine's 32-bit integers (a size
  // given at import multiplied past 2^31 - 1).
  std::optional<Tensor> constantOf(const ImportedNode& n) const;

 private:
  struct Folded {
    std::vector<SymbolicDim> dims;
    bool scalar = false;
  };
  // A folded value or an integer constant as a Folded; null when `name` is neither.
  const Folded* operand(const std::string& name, const std::map<std::string, Tensor>& constants);
  // Entry i of `f` as broadcasting reads it (a single value repeats).
  static SymbolicDim entry(const Folded& f, size_t i) { return f.dims[f.dims.size() == 1 ? 0 : i]; }
  Folded arithmetic(const ImportedNode& n, const Folded& a, const Folded& b) const;

  std::map<std::string, Folded> m_values;
  std::map<std::string, Folded> m_constants;  // integer constants read as operands
};

}  // namespace twb
