#include "ops/fused_activation.h"
#include "ops/onnx_writer.h"
#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// y = x W^T + b;  x is (N, K), W is (OUT, K), b is (OUT), y is (N, OUT).
class LinearOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 2, "input (N, features); add a Flatten before it");
    const int64_t out = attrs().integer("out_features");
    if (out <= 0) throw Error("attribute out_features must be > 0");
    fusedActivation(attrs());
    return {in[0][0], out};
  }
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    const int64_t k = in[0][1], out = attrs().integer("out_features");
    std::vector<ParamSpec> p{{"weight", {out, k}, ParamInit::uniformFanIn, k}};
    if (attrs().boolean("bias")) p.push_back({"bias", {out}, ParamInit::uniformFanIn, k});
    return p;
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape& out) const override {
    return 2.0 * in[0][0] * in[0][1] * out[1];
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("Gemm", io.inputsAndParams(), io.output).integer("transB", 1);
  }
};
}  // namespace

const OpRegistration kLinear{{
    {"Linear", "Fully connected layer: y = x W^T + b.", 1, 1,
     {{"out_features", AttrType::integer, nullptr, "Output features."},
      {"bias", AttrType::boolean, true, "Add a learned bias."},
      fusedActivationAttr()},
     [](Attrs a) { return std::make_unique<LinearOp>(std::move(a)); },
     {.bf16 = true, .int8 = Int8Role::weighted, .logitsInF32 = true, .fusedFormInputs = 1}}}};

}  // namespace twb
