#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// Attribute axis of `attrs`, checked against `shape`: one of its axes after the batch.
int64_t axisAfterBatch(const Attrs& attrs, const Shape& shape) {
  const int64_t axis = attrs.integer("axis");
  if (axis < 1 || axis >= static_cast<int64_t>(shape.size()))
    throw Error("attribute axis " + std::to_string(axis) + " is out of range for " +
                toString(shape) + " (axis 0 is the batch)");
  return axis;
}

// The entries [start, end) of one axis after the batch: Split's parts, x[:, a:b], a head's
// share of a fused projection.
class SliceOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    const int64_t axis = axisAfterBatch(attrs(), in[0]);
    const int64_t start = attrs().integer("start"), end = attrs().integer("end");
    if (start < 0 || end > in[0][axis] || start >= end)
      throw Error("attributes start " + std::to_string(start) + " and end " + std::to_string(end) +
                  " must satisfy 0 <= start < end <= " + std::to_string(in[0][axis]) + " (axis " +
                  std::to_string(axis) + " of " + toString(in[0]) + ")");
    Shape out = in[0];
    out[axis] = end - start;
    return out;
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const std::string& y = io.output;
    onnx.node("Slice",
              {io.inputs[0], onnx.int64s(y + "/starts", {attrs().integer("start")}),
               onnx.int64s(y + "/ends", {attrs().integer("end")}),
               onnx.int64s(y + "/axes", {attrs().integer("axis")})},
              y);
  }
};

// Zeros before and after one axis after the batch: Slice's mirror image (its input is the window
// of its output that a Slice would take).
class PadOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    const int64_t axis = axisAfterBatch(attrs(), in[0]);
    const int64_t before = attrs().integer("before"), after = attrs().integer("after");
    if (before < 0 || after < 0)
      throw Error("attributes before " + std::to_string(before) + " and after " +
                  std::to_string(after) + " must be >= 0");
    Shape out = in[0];
    out[axis] += before + after;
    return out;
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const std::string& y = io.output;
    const size_t rank = io.outputShape.size();
    std::vector<int64_t> pads(2 * rank, 0);  // ONNX's: every axis's begin, then every end
    const auto axis = static_cast<size_t>(attrs().integer("axis"));
    pads[axis] = attrs().integer("before");
    pads[rank + axis] = attrs().integer("after");
    onnx.node("Pad", {io.inputs[0], onnx.int64s(y + "/pads", pads)}, y);
  }
};

std::vector<AttrSpec> axisAttr() {
  return {{"axis", AttrType::integer, nullptr, "The axis (>= 1)."}};
}
}  // namespace

// Copies of their input, part of it or within zeros: they keep the input's type and int8 scale.
const OpRegistration kSlice{
    {{"Slice",
      "Entries start..end-1 of one axis after the batch.",
      1,
      1,
      {axisAttr()[0],
       {"start", AttrType::integer, nullptr, "First entry kept."},
       {"end", AttrType::integer, nullptr, "One past the last entry kept."}},
      [](Attrs a) { return std::make_unique<SliceOp>(std::move(a)); },
      {.followsInput = true, .int8 = Int8Role::followsInput}},
     {"Pad",
      "Zeros before and after one axis after the batch: an imported F.pad (Swin's window "
      "padding, a CIFAR ResNet's shortcut widened with zero channels), a Pad per padded axis.",
      1,
      1,
      {axisAttr()[0],
       {"before", AttrType::integer, 0, "Zeros before the input's entries."},
       {"after", AttrType::integer, 0, "Zeros after them."}},
      [](Attrs a) { return std::make_unique<PadOp>(std::move(a)); },
      {.followsInput = true, .int8 = Int8Role::followsInput}}}};

}  // namespace twb
