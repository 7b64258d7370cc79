#include "ops/fused_activation.h"
#include "ops/onnx_writer.h"
#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// y = x W^T + b over the last dimension: x is (N, ..., K), W is (OUT, K), b is (OUT), y is
// (N, ..., OUT).
class LinearOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    if (in[0].size() < 2) throw Error("expects an input (N, ..., features), got " + toString(in[0]));
    const int64_t out = attrs().integer("out_features");  // >= 1: its range
    fusedActivation(attrs());
    Shape shape = in[0];
    shape.back() = out;
    return shape;
  }
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    const int64_t k = in[0].back(), out = attrs().integer("out_features");
    std::vector<ParamSpec> p{{"weight", {out, k}, ParamInit::uniformFanIn, k}};
    if (attrs().boolean("bias")) p.push_back({"bias", {out}, ParamInit::uniformFanIn, k});
    return p;
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape& out) const override {
    return 2.0 * numel(in[0]) * out.back();
  }
  // Gemm takes 2-D only; more dimensions are MatMul with the transposed weight, plus the bias,
  // as PyTorch writes them.
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    if (io.outputShape.size() == 2) {
      onnx.node("Gemm", io.inputsAndParams(), io.output).integer("transB", 1);
      return;
    }
    const std::string& y = io.output;
    const bool bias = io.params.size() > 1;
    onnx.node("Transpose", {io.params[0]}, y + "/weight_t").integers("perm", {1, 0});
    onnx.node("MatMul", {io.inputs[0], y + "/weight_t"}, bias ? y + "/product" : y);
    if (bias) onnx.node("Add", {y + "/product", io.params[1]}, y);
  }
};
}  // namespace

const OpRegistration kLinear{{
    {"Linear", "Fully connected layer: y = x W^T + b.", 1, 1,
     {{"out_features", AttrType::integer, nullptr, "Output features.", 1},
      {"bias", AttrType::boolean, true, "Add a learned bias."},
      fusedActivationAttr()},
     [](Attrs a) { return std::make_unique<LinearOp>(std::move(a)); },
     {.bf16 = true, .int8 = Int8Role::weighted, .logitsInF32 = true, .fusedFormInputs = 1}}}};

}  // namespace twb
