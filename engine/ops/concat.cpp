#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// Joins inputs along `axis` (1: channels); every other dimension must match.
class ConcatOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    const int64_t axis = attrs().integer("axis");
    if (axis < 1 || axis >= static_cast<int64_t>(in[0].size()))
      throw Error("attribute axis " + std::to_string(axis) + " is out of range for " +
                  toString(in[0]) + " (axis 0 is the batch)");
    Shape out = in[0];
    for (size_t i = 1; i < in.size(); ++i) {
      Shape a = in[i], b = in[0];
      if (a.size() != b.size())
        throw Error("input " + std::to_string(i) + " has rank " + std::to_string(a.size()) +
                    ", input 0 has " + std::to_string(b.size()));
      a[axis] = b[axis] = 0;
      if (a != b)
        throw Error("input " + std::to_string(i) + " " + toString(in[i]) +
                    " differs from input 0 " + toString(in[0]) + " outside axis " +
                    std::to_string(axis));
      out[axis] += in[i][axis];
    }
    return out;
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("Concat", io.inputs, io.output).integer("axis", attrs().integer("axis"));
  }
};
}  // namespace

const OpRegistration kConcat{{
    {"Concat", "Joins inputs along one axis.", 2, -1,
     {{"axis", AttrType::integer, 1, "Axis to join along (1: channels)."}},
     [](Attrs a) { return std::make_unique<ConcatOp>(std::move(a)); }, {.bf16 = true}}}};

}  // namespace twb
