#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// (N, d1, d2, ...) -> (N, d1*d2*...).
class FlattenOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    if (in[0].empty()) throw Error("cannot flatten a 0-D value");
    return {in[0][0], numel(in[0]) / in[0][0]};
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("Flatten", io.inputs, io.output).integer("axis", 1);
  }
};

// (N, ...) -> (N, shape...); the batch stays, one entry of shape may be -1.
class ReshapeOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    Shape out{in[0][0]};
    const int64_t perSample = numel(in[0]) / in[0][0];
    int64_t known = 1, inferred = -1;
    for (int64_t d : attrs().integers("shape")) {
      if (d == -1) {
        if (inferred >= 0) throw Error("attribute shape may contain -1 only once");
        inferred = static_cast<int64_t>(out.size());
      } else if (d <= 0) {
        throw Error("attribute shape must hold sizes > 0 or one -1");
      } else {
        known *= d;
      }
      out.push_back(d);
    }
    if (inferred >= 0) {
      if (perSample % known) throw Error("cannot infer the -1 of shape for " + toString(in[0]));
      out[inferred] = perSample / known;
    }
    if (numel(out) != numel(in[0]))
      throw Error("cannot reshape " + toString(in[0]) + " to " + toString(out));
    return out;
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    std::vector<int64_t> shape = io.outputShape;
    shape[0] = 0;  // ONNX: copy the batch from the input
    onnx.node("Reshape", {io.inputs[0], onnx.int64s(io.output + "/shape", shape)}, io.output);
  }
};
}  // namespace

// Layout only: the output is the input's data, in its type and int8 scale.
constexpr OpTraits kReshapeTraits{.followsInput = true, .int8 = Int8Role::followsInput};

const OpRegistration kReshapes{{
    {"Flatten", "Flattens every dimension after the batch.", 1, 1, {},
     [](Attrs a) { return std::make_unique<FlattenOp>(std::move(a)); }, kReshapeTraits},
    {"Reshape", "Reshapes each sample; the batch dimension stays.", 1, 1,
     {{"shape", AttrType::integers, nullptr, "Per-sample shape; one entry may be -1."}},
     [](Attrs a) { return std::make_unique<ReshapeOp>(std::move(a)); }, kReshapeTraits}}};

}  // namespace twb
