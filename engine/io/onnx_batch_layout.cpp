#include "io/onnx_batch_layout.h"

#include <algorithm>
#include <numeric>

#include "core/error.h"

namespace twb {

namespace {
bool same(SymbolicDim a, SymbolicDim b) { return a.batch == b.batch && a.value == b.value; }

std::string text(SymbolicDim d) {
  if (d.batch == 0) return std::to_string(d.value);
  const std::string batch = d.batch == 1 ? "N" : std::to_string(d.batch) + "N";
  return d.value == 0 ? batch : batch + (d.value > 0 ? "+" : "") + std::to_string(d.value);
}

constexpr SymbolicDim kOne{0, 1};
}  // namespace

SymbolicDim product(SymbolicDim a, SymbolicDim b) {
  if (a.batch != 0 && b.batch != 0) throw Error("a product of two batch sizes is not supported");
  SymbolicDim p;
  int64_t batchOfA = 0, batchOfB = 0;
  if (__builtin_mul_overflow(a.batch, b.value, &batchOfA) ||
      __builtin_mul_overflow(b.batch, a.value, &batchOfB) ||
      __builtin_add_overflow(batchOfA, batchOfB, &p.batch) ||
      __builtin_mul_overflow(a.value, b.value, &p.value))
    throw Error("the sizes " + text(a) + " and " + text(b) + " multiply past 2^63");
  return p;
}

std::optional<SymbolicDim> quotient(SymbolicDim a, SymbolicDim b) {
  if (b.batch != 0) {
    if (b.value != 0 || a.value != 0 || a.batch % b.batch != 0) return std::nullopt;
    return SymbolicDim{0, a.batch / b.batch};
  }
  if (b.value <= 0 || a.batch % b.value != 0 || a.value % b.value != 0) return std::nullopt;
  if (a.batch != 0 && a.value != 0) return std::nullopt;
  return SymbolicDim{a.batch / b.value, a.value / b.value};
}

BatchLayout BatchLayout::of(std::string engine, const Shape& shape) {
  BatchLayout layout{std::move(engine), {{1, 0}}, {{0}}};
  for (size_t i = 1; i < shape.size(); ++i) {
    layout.sizes.push_back({0, shape[i]});
    layout.groups.push_back({static_cast<int64_t>(i)});
  }
  return layout;
}

std::vector<SymbolicDim> BatchLayout::onnxShape() const {
  std::vector<SymbolicDim> shape;
  for (const auto& group : groups) {
    SymbolicDim d = kOne;
    for (int64_t axis : group) d = product(d, sizes[axis]);
    shape.push_back(d);
  }
  return shape;
}

bool BatchLayout::isEngineForm() const {
  if (groups.size() != sizes.size()) return false;
  for (size_t i = 0; i < groups.size(); ++i)
    if (groups[i] != std::vector<int64_t>{static_cast<int64_t>(i)}) return false;
  return true;
}

BatchLayout BatchLayout::transposed(const std::vector<int64_t>& perm) const {
  std::vector<int64_t> sorted = perm;
  std::sort(sorted.begin(), sorted.end());
  std::vector<int64_t> each(groups.size());
  std::iota(each.begin(), each.end(), 0);
  if (sorted != each)
    throw Error("perm must order each of 0.." + std::to_string(groups.size() - 1) + " once");
  BatchLayout out = *this;
  for (size_t i = 0; i < perm.size(); ++i) out.groups[i] = groups[perm[i]];
  return out;
}

std::optional<int64_t> BatchLayout::soleAxis(int64_t axis) const {
  const int64_t rank = static_cast<int64_t>(groups.size());
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank || groups[axis].size() != 1 || groups[axis][0] == 0)
    return std::nullopt;
  return groups[axis][0];
}

LayoutChange reshapedLayout(const BatchLayout& layout, const std::vector<SymbolicDim>& target) {
  // Axes by id: the engine value's own first, then the parts that splits cut off.
  std::vector<SymbolicDim> size = layout.sizes;
  std::vector<int64_t> order(size.size());  // ids in engine order
  std::iota(order.begin(), order.end(), 0);
  auto addAfter = [&](int64_t id, SymbolicDim s) {
    size.push_back(s);
    const int64_t added = static_cast<int64_t>(size.size()) - 1;
    order.insert(id < 0 ? order.end() : std::find(order.begin(), order.end(), id) + 1, added);
    return added;
  };
  std::vector<int64_t> atoms;  // ids in the order the ONNX value runs through them
  for (const auto& group : layout.groups) atoms.insert(atoms.end(), group.begin(), group.end());
  std::vector<std::vector<int64_t>> groups;
  bool changed = false;
  size_t next = 0;
  for (size_t d = 0; d < target.size(); ++d) {
    const SymbolicDim want = target[d];
    std::vector<int64_t> group;
    if (same(want, kOne)) {  // an axis of size 1: the next one, or a new one
      if (next < atoms.size() && same(size[atoms[next]], kOne)) {
        group.push_back(atoms[next++]);
      } else {
        group.push_back(addAfter(-1, kOne));
        changed = true;
      }
    }
    for (SymbolicDim have = kOne; !same(have, want);) {
      const std::optional<SymbolicDim> rest = quotient(want, have);
      if (!rest || next == atoms.size())
        throw Error("dimension " + std::to_string(d) + " of the target shape (" + text(want) +
                    ") does not fit the values the input holds");
      const int64_t id = atoms[next];
      if (quotient(*rest, size[id])) {
        group.push_back(id);
        have = product(have, size[id]);
        ++next;
        continue;
      }
      if (size[id].batch != 0 || rest->batch != 0 || size[id].value % rest->value != 0)
        throw Error("dimension " + std::to_string(d) + " of the target shape (" + text(want) +
                    ") cuts " + (size[id].batch != 0 ? std::string("the batch") : text(size[id])) +
                    " in a way that a batch-first value cannot keep");
      const SymbolicDim cutOff{0, size[id].value / rest->value};
      size[id] = *rest;
      atoms.insert(atoms.begin() + static_cast<int64_t>(next) + 1, addAfter(id, cutOff));
      changed = true;
      group.push_back(id);
      have = product(have, *rest);
      ++next;
    }
    groups.push_back(group);
  }
  for (; next < atoms.size(); ++next)
    if (!same(size[atoms[next]], kOne))
      throw Error("the target shape holds fewer values than the input");

  LayoutChange change;
  std::vector<int64_t> position(size.size());
  for (size_t p = 0; p < order.size(); ++p) position[order[p]] = static_cast<int64_t>(p);
  change.result.engine = layout.engine;
  for (int64_t id : order) change.result.sizes.push_back(size[id]);
  for (auto& group : groups) {
    for (int64_t& id : group) id = position[id];
    change.result.groups.push_back(group);
  }
  if (changed) {
    Shape perSample;
    for (size_t p = 1; p < order.size(); ++p) perSample.push_back(size[order[p]].value);
    change.reshape = perSample;
  }
  return change;
}

LayoutChange normalisedLayout(const BatchLayout& layout) {
  const int64_t rank = static_cast<int64_t>(layout.sizes.size());
  std::vector<int64_t> perm{0};
  std::vector<bool> named(rank, false);
  named[0] = true;
  for (const auto& group : layout.groups)
    for (int64_t axis : group)
      if (axis != 0) {
        perm.push_back(axis);
        named[axis] = true;
      }
  const bool dropsAxes = std::count(named.begin(), named.end(), false) > 0;
  for (int64_t axis = 0; axis < rank; ++axis)
    if (!named[axis]) perm.push_back(axis);  // of size 1, dropped by the reshape below

  // After the transpose the non-batch axes come in the ONNX order, so each run of them inside
  // one ONNX axis is adjacent and merges into one.
  LayoutChange change;
  change.result.engine = layout.engine;
  change.result.sizes = {{1, 0}};
  Shape perSample;
  bool merges = false;
  for (const auto& group : layout.groups) {
    std::vector<int64_t> merged;
    bool inRun = false;
    for (int64_t axis : group) {
      if (axis == 0) {
        merged.push_back(0);
        inRun = false;
      } else if (inRun) {
        perSample.back() *= layout.sizes[axis].value;
        change.result.sizes.back().value = perSample.back();
        merges = true;
      } else {
        perSample.push_back(layout.sizes[axis].value);
        change.result.sizes.push_back(layout.sizes[axis]);
        merged.push_back(static_cast<int64_t>(change.result.sizes.size()) - 1);
        inRun = true;
      }
    }
    change.result.groups.push_back(merged);
  }
  if (!std::is_sorted(perm.begin(), perm.end())) change.perm = perm;
  if (merges || dropsAxes) change.reshape = perSample;
  return change;
}

}  // namespace twb
