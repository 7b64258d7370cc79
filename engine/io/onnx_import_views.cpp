#include <algorithm>
#include <numeric>
#include <set>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace twb::onnx_import {

BatchLayout Importer::layoutOf(const std::string& name) const {
  auto it = m_layouts.find(name);
  return it != m_layouts.end() ? it->second : BatchLayout::of(name, shapeOf(name));
}

// Emits the engine nodes a layout change takes, named after `name`.
BatchLayout Importer::applied(const LayoutChange& change, const std::string& name,
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
std::string Importer::engineName(const std::string& name, const BatchLayout& layout) {
  return layout.isEngineForm() ? name : name + "/engine";
}

// Records ONNX value `name` as `layout`: an alias when the layout is its engine value's form.
void Importer::keep(const std::string& name, const BatchLayout& layout) {
  if (!layout.isEngineForm()) {
    m_layouts[name] = layout;
    return;
  }
  m_layouts.erase(name);
  if (layout.engine != name) alias(name, layout.engine, nullptr);
}

// The engine value ONNX value `name` is or is a view of.
std::string Importer::engineOf(const std::string& name) const {
  auto it = m_layouts.find(name);
  return it == m_layouts.end() ? name : it->second.engine;
}

// The layout of `name` with its engine value rearranged to the view's order (kept so).
const BatchLayout& Importer::normalised(const std::string& name) {
  BatchLayout& layout = m_layouts.at(name);
  const LayoutChange change = normalisedLayout(layout);
  if (!change.perm.empty() || change.reshape) layout = applied(change, name, "/merged");
  return layout;
}

// The engine value that is `name`'s ONNX form, or nullopt when its batch is not alone on
// axis 0.
std::optional<std::string> Importer::engineForm(const std::string& name) {
  const BatchLayout& layout = normalised(name);
  if (!layout.isEngineForm()) return std::nullopt;
  return layout.engine;
}

// An ONNX axis of input `input` as the engine's: counted from the front, never the batch.
int64_t Importer::axisAfterBatch(const ImportedNode& n, int64_t axis, int input) const {
  if (axis < 0) axis += static_cast<int64_t>(shapeOf(n.input(input)).size());
  if (axis < 1) throw n.error("axis " + std::to_string(axis) + " is the batch; not supported");
  return axis;
}

// An integer list given as an attribute (older opsets) or a constant input (newer).
std::vector<int64_t> Importer::integersOf(const ImportedNode& n, const std::string& attr, int input,
                                          std::vector<int64_t> fallback) const {
  if (n.proto().input_size() > input && !n.input(input).empty()) {
    if (const auto* folded = m_shapeArithmetic.find(n.input(input))) return plainValues(n, *folded);
    const Tensor& t = constant(n, input);
    return {t.data<int32_t>(), t.data<int32_t>() + t.numel()};
  }
  return n.integers(attr, std::move(fallback));
}

// Split of a computed value: one Slice per output.
void Importer::split(const ImportedNode& n) {
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
std::pair<int64_t, int64_t> Importer::sliceAxis(const ImportedNode& n, const std::string& input,
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
    throw n.error("axis " + std::to_string(axis) + " is the batch or out of range; not supported");
  return {axis, shape[axis]};
}

// Entries [start, end) of engine axis `axis` of `input`, as ONNX value `out`.
void Importer::sliced(const ImportedNode& n, const std::string& input, int64_t axis, int64_t start,
                      int64_t end, const std::string& out) {
  const BatchLayout layout = layoutOf(input);
  keep(out, sliceOf(n, input, layout, axis, start, end, engineName(out, layout)));
}

// A Slice named `name` of engine axis `axis` of `input` (viewed as `layout`), and the same
// view of it.
BatchLayout Importer::sliceOf(const ImportedNode& n, const std::string& input, BatchLayout layout,
                              int64_t axis, int64_t start, int64_t end, const std::string& name) {
  add(n, "Slice", {m_layouts.count(input) ? layout.engine : computed(n, input)},
      {{"axis", axis}, {"start", start}, {"end", end}}, name);
  layout.engine = name;
  layout.sizes[axis] = {0, end - start};
  return layout;
}

// x[..., a:b:s, c:d] on the axes after the batch that the Slice names, one at a time.
void Importer::slice(const ImportedNode& n) {
  const auto starts = integersOf(n, "starts", 1, {}), ends = integersOf(n, "ends", 2, {});
  std::vector<int64_t> axes(starts.size());
  std::iota(axes.begin(), axes.end(), 0);
  axes = integersOf(n, "axes", 3, axes);
  const auto steps = integersOf(n, "steps", 4, std::vector<int64_t>(starts.size(), 1));
  if (starts.empty() || ends.size() != starts.size() || axes.size() != starts.size() ||
      steps.size() != starts.size())
    throw n.error("starts, ends, axes and steps must name the same axes");
  // One axis at a time: Swin's patch merging takes x[:, 0::2, 1::2, :].
  std::string input = resolve(n.input(0));
  for (size_t i = 0; i < starts.size(); ++i) {
    const std::string out =
        i + 1 == starts.size() ? n.output() : n.output() + "/axis" + std::to_string(axes[i]);
    slicedWithStep(n, input, axes[i], starts[i], ends[i], steps[i], out);
    input = resolve(out);
  }
}

// x[..., start:end:step] on ONNX axis `axis` of `input`, as ONNX value `out`. A step s > 1 of an
// axis of size k * s is the axis split into (k, s), entry start % s of the second kept, and the
// two merged again; the engine's Slice takes step 1 only.
void Importer::slicedWithStep(const ImportedNode& n, const std::string& input, int64_t axis,
                              int64_t start, int64_t end, int64_t step, const std::string& out) {
  const auto [engineAxis, size] = sliceAxis(n, input, axis);
  if (step < 1) throw n.error("a Slice with step " + std::to_string(step) + " is not supported");
  // Captured by value: clang before 16 cannot capture a structured binding.
  auto clampIndex = [dim = size](int64_t i) {
    return std::clamp<int64_t>(i < 0 ? i + dim : i, 0, dim);
  };
  start = clampIndex(start);
  end = clampIndex(end);
  if (step == 1) {
    sliced(n, input, engineAxis, start, end, out);
    return;
  }
  if (size % step != 0)
    throw n.error("a Slice with step " + std::to_string(step) + " of an axis of size " +
                  std::to_string(size) + ", which the step does not divide, is not supported");
  const int64_t count = std::max<int64_t>(0, (end - start + step - 1) / step);
  std::vector<SymbolicDim> shape = onnxShapeOf(input);
  const auto at = static_cast<size_t>(axis < 0 ? axis + static_cast<int64_t>(shape.size()) : axis);
  std::vector<SymbolicDim> split = shape;
  split[at] = {0, size / step};
  split.insert(split.begin() + static_cast<int64_t>(at) + 1, {0, step});
  reshapeLayout(n, input, split, out + "/strided");
  const std::string strided = resolve(out + "/strided");
  const int64_t phase = sliceAxis(n, strided, static_cast<int64_t>(at) + 1).first;
  sliced(n, strided, phase, start % step, start % step + 1, out + "/phase");
  const std::string phased = resolve(out + "/phase");
  const int64_t outer = sliceAxis(n, phased, static_cast<int64_t>(at)).first;
  sliced(n, phased, outer, start / step, start / step + count, out + "/entries");
  shape[at] = {0, count};
  reshapeLayout(n, resolve(out + "/entries"), shape, out);
  // The kept entry's axis of size 1 still sits beside the entries: merged away.
  if (m_layouts.count(out)) keep(out, BatchLayout(normalised(out)));
}

// Squeeze and Unsqueeze of a computed value: a Reshape to the shape they give.
void Importer::squeeze(const ImportedNode& n) {
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
void Importer::gather(const ImportedNode& n) {
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
void Importer::squeezeLayout(const ImportedNode& n, const std::string& input,
                             std::vector<int64_t> axes, bool unsqueeze) {
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
    for (int64_t a : axes) shape.insert(shape.begin() + std::min<int64_t>(a, shape.size()), {0, 1});
    reshapeLayout(n, input, shape, n.output());
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
std::vector<SymbolicDim> Importer::explicitTarget(const ImportedNode& n, const std::string& input,
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
void Importer::reshapeLayout(const ImportedNode& n, const std::string& input,
                             const std::vector<SymbolicDim>& target, const std::string& out) {
  if (!m_layouts.count(input)) computed(n, input);  // a computed value, not a constant
  try {
    keep(out, applied(reshapedLayout(layoutOf(input), target), out, "/split"));
  } catch (const Error& e) {
    // With the batch fixed, batchFreed() found no dimension to put it back in.
    if (!m_fixedBatch) throw n.error(e.what());
    const auto& [name, batch] = *m_fixedBatch;
    const std::string samples = std::to_string(batch);
    throw n.error(std::string(e.what()) + " (the file fixes the batch of input '" + name + "' at " +
                  samples + ", and no dimension of this target holds those " + samples +
                  " samples apart from the rest, as a model that runs each sample alone does)");
  }
}

// A node's input of sizes: computed from shapes (folded, the batch a symbol), or a constant.
std::vector<SymbolicDim> Importer::sizesOf(const ImportedNode& n, int input) const {
  if (const auto* folded = m_shapeArithmetic.find(n.input(input))) return *folded;
  std::vector<SymbolicDim> sizes;
  const Tensor& t = constant(n, input);
  for (int64_t i = 0; i < t.numel(); ++i) sizes.push_back({0, t.data<int32_t>()[i]});
  return sizes;
}

// A Reshape to a constant shape or to one computed from shapes (`x.view(B, T, h, -1)`); its
// first entry must be the batch (N, 0 or -1), a 0 elsewhere copies the input's dimension.
void Importer::reshape(const ImportedNode& n) {
  std::vector<SymbolicDim> target = sizesOf(n, 1);
  const std::string input = resolve(n.input(0));
  target = batchFreed(input, target);
  bool batchFirst =
      !target.empty() &&
      ((target[0].batch == 1 && target[0].value == 0) ||
       (target[0].batch == 0 && target[0].value <= 0)) &&
      std::all_of(target.begin() + 1, target.end(), [](SymbolicDim d) { return d.batch == 0; });
  if (batchFirst && target[0].value == -1 && !m_layouts.count(input)) {
    // A leading -1 is the batch only when the rest hold one sample: Swin's
    // `attn.view(-1, heads, N, N)` merges its windows into it.
    const SymbolicDim first = explicitTarget(n, input, target)[0];
    batchFirst = first.batch == 1 && first.value == 0;
  }
  if (!batchFirst || m_layouts.count(input)) {
    reshapeLayout(n, input, explicitTarget(n, input, target), n.output());
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

// Ops along one axis of a value held as a view (onnx_batch_layout.h), run on its engine value:
// a Linear, a MatMul of two views batched alike, a Scale, a Softmax. False for any other node.
bool Importer::onLayout(const ImportedNode& n) {
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
  if (op == "ReduceMean" || op == "ReduceSum") return reducedView(n, input);
  if (op == "Concat" && joinedViews(n)) return true;
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

// Concat of views, each with the joined axis alone on the same engine axis and laid out alike
// otherwise (nn.LSTM's last hidden states, one (1, N, H) per layer): a Concat of their engine
// values along that axis. False where an input is batch first: all are read so.
bool Importer::joinedViews(const ImportedNode& n) {
  for (int i = 0; i < n.proto().input_size(); ++i)
    if (!m_layouts.count(resolve(n.input(i)))) return false;  // each read batch first
  std::optional<BatchLayout> joined;
  int64_t engineAxis = 0;
  std::vector<std::string> engines;
  for (int i = 0; i < n.proto().input_size(); ++i) {
    const std::string input = resolve(n.input(i));
    const BatchLayout layout = normalised(input);
    const std::optional<int64_t> axis = layout.soleAxis(n.integer("axis", 0));
    bool alike = axis.has_value();
    if (alike && joined) {
      alike = layout.groups == joined->groups && *axis == engineAxis;
      for (size_t a = 0; alike && a < layout.sizes.size(); ++a)
        alike = static_cast<int64_t>(a) == engineAxis ||
                (layout.sizes[a].batch == joined->sizes[a].batch &&
                 layout.sizes[a].value == joined->sizes[a].value);
    }
    if (!alike)
      throw n.error("its inputs are not laid out alike, each with the joined axis alone: " +
                    std::string(kBatchMoved));
    if (joined) {
      joined->sizes[engineAxis].value += layout.sizes[engineAxis].value;
    } else {
      joined = layout;
      engineAxis = *axis;
    }
    engines.push_back(layout.engine);
  }
  joined->engine = engineName(n.output(), *joined);
  add(n, "Concat", engines, {{"axis", engineAxis}}, joined->engine);
  keep(n.output(), *joined);
  return true;
}

// Ops on each value alone, or along the last axis, reading values held as views (sequence first,
// (T, N, E), through nn.TransformerEncoderLayer's residual adds, LayerNorms and activations): the
// node is translated as it is on the views' engine values, and its output is viewed alike.
// Computed operands must be viewed alike (an axis of size 1 where the other's is not broadcasts,
// as a LayerNorm's mean does); a constant may span only axes after the batch's. False, for the
// usual path and its error, for anything else.
bool Importer::elementwiseOnView(const ImportedNode& n) {
  static const std::set<std::string> kEach = {"Relu", "Sigmoid",     "Tanh", "LeakyRelu", "Erf",
                                              "Sqrt", "HardSigmoid", "Elu",  "Softplus",  "Mish",
                                              "Abs",  "Exp",         "Log",  "HardSwish", "Clip",
                                              "Pow",  "Add",         "Sub",  "Mul",       "Div"};
  const std::string& op = n.proto().op_type();
  const bool lastAxis = op == "LayerNormalization" || op == "ReduceMean";
  if (!kEach.count(op) && !lastAxis) return false;
  std::vector<int> viewed;
  for (int i = 0; i < n.proto().input_size(); ++i)
    if (m_layouts.count(resolve(n.input(i)))) viewed.push_back(i);
  if (viewed.empty()) return false;
  const BatchLayout& first = m_layouts.at(resolve(n.input(viewed[0])));
  const auto rank = static_cast<int64_t>(first.groups.size());
  int64_t batchAxis = 0;
  while (std::find(first.groups[batchAxis].begin(), first.groups[batchAxis].end(), 0) ==
         first.groups[batchAxis].end())
    ++batchAxis;
  // Operands held alike as they are run as they are (a Scale of attention's queries); ops along
  // the last axis, a constant broadcast over trailing axes, or operands held otherwise need the
  // view's order.
  bool ordered = lastAxis;
  for (int i = 0; i < n.proto().input_size(); ++i) {
    const std::string input = resolve(n.input(i));
    if (input.empty()) continue;
    if (auto c = m_constants.find(input); c != m_constants.end()) {
      const auto constantRank = static_cast<int64_t>(c->second.shape().size());
      if (constantRank >= rank - batchAxis) return false;
      ordered = ordered || constantRank > 0;
    } else if (!m_layouts.count(input)) {
      return false;  // batch first: not laid out alike
    } else {
      const BatchLayout& other = m_layouts.at(input);
      ordered = ordered || other.groups != first.groups ||
                !std::equal(other.sizes.begin(), other.sizes.end(), first.sizes.begin(),
                            first.sizes.end(), [](SymbolicDim x, SymbolicDim y) {
                              return x.batch == y.batch && x.value == y.value;
                            });
    }
  }
  auto layoutOfInput = [&](int i) -> BatchLayout {
    const std::string input = resolve(n.input(i));
    return ordered ? normalised(input) : m_layouts.at(input);
  };
  const BatchLayout layout = layoutOfInput(viewed[0]);
  onnx::NodeProto onEngine = n.proto();
  BatchLayout result = layout;  // its sizes broadcast over every operand's
  for (int i : viewed) {
    const BatchLayout other = layoutOfInput(i);
    if (other.groups != layout.groups) return false;
    for (size_t a = 0; a < other.sizes.size(); ++a) {
      const SymbolicDim x = other.sizes[a], y = result.sizes[a];
      const bool xIsOne = x.batch == 0 && x.value == 1, yIsOne = y.batch == 0 && y.value == 1;
      if (!(x.batch == y.batch && x.value == y.value) && !xIsOne && !yIsOne) return false;
      if (yIsOne) result.sizes[a] = x;
    }
    onEngine.set_input(i, other.engine);
    // Patterns ask whether a value has one reader (a Linear's bias folds into it): the view's.
    m_readers.try_emplace(other.engine, m_readers[n.input(i)]);
  }
  if (lastAxis) {
    const std::vector<int64_t> axes = op == "ReduceMean"
                                          ? integersOf(n, "axes", 1, {})
                                          : std::vector<int64_t>{n.integer("axis", -1)};
    if (!layout.soleAxis(-1) || axes.size() != 1 || (axes[0] != -1 && axes[0] != rank - 1) ||
        n.integer("keepdims", 1) != 1)
      return false;
  }
  const std::string out = n.output(), engine = engineName(out, layout);
  onEngine.set_output(0, engine);
  m_onEngine.insert(engine);
  m_readers[engine] = m_readers[out];
  translate(ImportedNode(onEngine));
  if (auto held = m_layouts.find(engine); held != m_layouts.end()) {
    // A node folded into the engine node before it (a LayerNorm's scale) renamed that node's view.
    result.engine = held->second.engine;
    m_layouts.erase(held);
  } else {
    result.engine = resolve(engine);
  }
  if (op == "ReduceMean") result.sizes[*layout.soleAxis(-1)] = {0, 1};
  keep(out, result);
  return true;
}

// ReduceMean or ReduceSum of a view over axes each alone on an engine axis (a sequence-first
// encoder's `x.mean(0)` over its tokens): the engine value reduced over those, the view without
// them (or with them of size 1, keepdims).
bool Importer::reducedView(const ImportedNode& n, const std::string& input) {
  const BatchLayout& layout = normalised(input);
  const auto rank = static_cast<int64_t>(layout.groups.size());
  const bool keepDims = n.integer("keepdims", 1) != 0;
  std::vector<int64_t> axes = integersOf(n, "axes", 1, {});
  if (axes.empty()) throw n.error("a reduction over every axis takes in the batch");
  std::vector<int64_t> engineAxes;
  for (int64_t& a : axes) {
    const std::optional<int64_t> axis = layout.soleAxis(a);
    if (!axis) throw n.error("axis " + std::to_string(a) + " holds the batch or merges several");
    a = a < 0 ? a + rank : a;
    engineAxes.push_back(*axis);
  }
  const std::string name = engineName(n.output(), layout);
  add(n, n.proto().op_type(), {layout.engine}, {{"axes", engineAxes}, {"keepdims", keepDims}},
      name);
  BatchLayout result{name, {}, {}};
  std::vector<int64_t> renumbered(layout.sizes.size(), -1);
  for (size_t id = 0; id < layout.sizes.size(); ++id) {
    const bool reduced =
        std::count(engineAxes.begin(), engineAxes.end(), static_cast<int64_t>(id)) > 0;
    if (reduced && !keepDims) continue;
    renumbered[id] = static_cast<int64_t>(result.sizes.size());
    result.sizes.push_back(reduced ? SymbolicDim{0, 1} : layout.sizes[id]);
  }
  for (int64_t a = 0; a < rank; ++a) {
    if (!keepDims && std::count(axes.begin(), axes.end(), a)) continue;
    std::vector<int64_t> group;
    for (int64_t id : layout.groups[a]) group.push_back(renumbered[id]);
    result.groups.push_back(group);
  }
  keep(n.output(), result);
  return true;
}

}  // namespace twb::onnx_import
