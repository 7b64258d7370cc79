// A file exported with its batch fixed (torch.onnx.export without dynamic_axes, PyTorch's default)
// spells every size computed from the batch as a number: `x.view(B, T, h, d)` is (1, 197, 12, 64)
// at batch 1. The engine keeps the batch free, so such a Reshape's target gets the batch back as a
// symbol (onnx_shape_arithmetic.h), in the dimension the input's batch lands in.
#include <algorithm>
#include <cstring>

#include "io/onnx_importer.h"

namespace twb::onnx_import {

namespace {
int64_t atBatch(SymbolicDim d, int64_t batch) { return d.batch * batch + d.value; }

// acc *= by, false where that overflows: a file's numbers may be anything.
bool multiply(int64_t& acc, int64_t by) { return !__builtin_mul_overflow(acc, by, &acc); }
}  // namespace

std::vector<SymbolicDim> Importer::batchFreed(const std::string& input,
                                              const std::vector<SymbolicDim>& target) const {
  if (!m_fixedBatch || target.empty() ||
      std::any_of(target.begin(), target.end(), [](SymbolicDim d) { return d.batch != 0; }))
    return target;
  const int64_t batch = m_fixedBatch->second;
  if (batch > (int64_t{1} << 31)) return target;
  BatchLayout layout;
  try {
    layout = layoutOf(input);
  } catch (const Error&) {
    return target;  // not a computed value: the usual path says so
  }
  // The input's values in row-major order: how many come before the batch's, and how many in all.
  int64_t before = 1, total = 1;
  bool batchSeen = false;
  for (const auto& group : layout.groups)
    for (int64_t id : group) {
      batchSeen = batchSeen || id == 0;
      if (!batchSeen && !multiply(before, atBatch(layout.sizes[id], batch))) return target;
    }
  std::vector<int64_t> shape;
  for (SymbolicDim d : layout.onnxShape()) {
    shape.push_back(atBatch(d, batch));
    if (!multiply(total, shape.back())) return target;
  }
  // The target as numbers: a 0 copies the input's dimension, a -1 takes what the rest leave.
  // Anything else than sizes and one -1 is left to the usual error, which says what is wrong.
  std::vector<int64_t> sizes;
  std::optional<size_t> rest;
  int64_t known = 1;
  for (size_t i = 0; i < target.size(); ++i) {
    int64_t d = target[i].value;
    if (d == 0 && i < shape.size()) d = shape[i];
    if (d == -1 && !rest)
      rest = i;
    else if (d < 1 || !multiply(known, d))
      return target;
    sizes.push_back(d);
  }
  if (total % known != 0) return target;
  if (rest) sizes[*rest] = total / known;
  if (total != known * (rest ? sizes[*rest] : 1)) return target;
  // Where the batch lands: a dimension that starts where it does (`x.view(B, T, h, d)`, or
  // (T, B * heads, d) sequence first), else one it falls inside (`x.view(T * B, E)`). At batch 1
  // both may fit: the batch stays off the last axis (the features Linear and Softmax run on)
  // when it can, and the first choice the layout can hold is taken.
  std::vector<size_t> starts, inside;
  int64_t prefix = 1;
  for (size_t p = 0; p < sizes.size(); ++p) {
    if (sizes[p] % batch == 0) {
      if (prefix == before)
        starts.push_back(p);
      else if (before % prefix == 0 && (prefix * sizes[p]) % (before * batch) == 0)
        inside.push_back(p);
    }
    prefix *= sizes[p];
  }
  std::vector<size_t> choices;
  for (bool lastAxis : {false, true})
    for (const auto* kind : {&starts, &inside})
      for (size_t p : *kind)
        if ((p + 1 == sizes.size()) == lastAxis) choices.push_back(p);
  for (size_t p : choices) {
    std::vector<SymbolicDim> freed;
    for (size_t i = 0; i < sizes.size(); ++i)
      freed.push_back(i == p ? SymbolicDim{sizes[i] / batch, 0} : SymbolicDim{0, sizes[i]});
    try {
      reshapedLayout(layout, freed);
      return freed;
    } catch (const Error&) {
      // this choice splits the batch or needs a reorder: try the next
    }
  }
  return target;
}

// torchvision's `class_token.expand(n, -1, -1)` at a fixed batch: PyTorch's shape arithmetic and
// the Expand fold into a constant of (batch, tokens, ...), the same tokens for every sample, put
// first by a Concat. Those tokens, (1, tokens, ...); nullopt for anything else.
std::optional<Tensor> Importer::tokensOfFixedBatch(const ImportedNode& n) const {
  const auto repeated = m_constants.find(resolve(n.input(0)));
  if (!m_fixedBatch || n.proto().input_size() != 2 || repeated == m_constants.end() ||
      m_constants.count(resolve(n.input(1))))
    return std::nullopt;
  const Tensor& all = repeated->second;
  if (all.dtype() != DType::f32 || all.shape().size() < 3 || all.shape()[0] != m_fixedBatch->second)
    return std::nullopt;
  Shape shape = all.shape();
  shape[0] = 1;
  Tensor tokens(shape, DType::f32);
  const size_t bytes = tokens.bytes();
  for (int64_t sample = 0; sample < all.shape()[0]; ++sample)
    if (std::memcmp(all.data<std::byte>() + sample * bytes, all.data<std::byte>(), bytes) != 0)
      return std::nullopt;  // not one set of tokens repeated: not an Expand to the batch
  std::memcpy(tokens.data<std::byte>(), all.data<std::byte>(), bytes);
  return tokens;
}

}  // namespace twb::onnx_import
