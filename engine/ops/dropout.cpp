#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// Training: zeroes each element with probability p and scales the rest by 1/(1-p).
// Evaluation: identity.
class DropoutOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    const double p = attrs().number("p");
    if (p < 0 || p >= 1) throw Error("attribute p must be within [0, 1)");
    return in[0];
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("Identity", io.inputs, io.output);
  }
};
}  // namespace

const OpRegistration kDropout{
    {{"Dropout",
      "Randomly zeroes elements while training.",
      1,
      1,
      {{"p", AttrType::number, 0.5, "Probability of zeroing an element.", 0, 1}},
      [](Attrs a) { return std::make_unique<DropoutOp>(std::move(a)); },
      {.followsInput = true,
       .int8 = Int8Role::followsInput,
       .inference = InferenceForm::identity,
       .elementwise = true}}}};

}  // namespace twb
