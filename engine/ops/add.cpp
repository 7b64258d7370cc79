#include "ops/fused_activation.h"
#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// y = a + b + ...; every input has the same shape (residual connections).
class AddOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    fusedActivation(attrs());
    for (size_t i = 1; i < in.size(); ++i)
      if (in[i] != in[0])
        throw Error("input " + std::to_string(i) + " has shape " + toString(in[i]) +
                    " but input 0 has " + toString(in[0]));
    return in[0];
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return static_cast<double>(numel(in[0])) * static_cast<double>(in.size() - 1);
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node(io.inputs.size() == 2 ? "Add" : "Sum", io.inputs, io.output);
  }
};
}  // namespace

// Its fused form (an activation, or int8 inputs and output) is the sum of two inputs.
const OpRegistration kAdd{{
    {"Add", "Elementwise sum of inputs of equal shape.", 2, -1, {fusedActivationAttr()},
     [](Attrs a) { return std::make_unique<AddOp>(std::move(a)); },
     {.bf16 = true, .int8 = Int8Role::sumOfInt8, .fusedFormInputs = 2}}}};

}  // namespace twb
