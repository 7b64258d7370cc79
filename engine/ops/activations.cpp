#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// Elementwise: y has the shape of x. Most are one ONNX op of the same meaning.
class ActivationOp : public Op {
 public:
  ActivationOp(Attrs attrs, const char* onnxType) : Op(std::move(attrs)), m_onnxType(onnxType) {}
  Shape outputShape(const std::vector<Shape>& in) const override { return in[0]; }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return static_cast<double>(numel(in[0]));
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node(m_onnxType, io.inputs, io.output);
  }

 private:
  const char* m_onnxType;
};

// ONNX before opset 20 has no Gelu: x * 0.5 * (1 + erf(x / sqrt(2))), the pattern PyTorch
// writes and io/onnx_import reads back.
class GeluOp : public ActivationOp {
 public:
  explicit GeluOp(Attrs attrs) : ActivationOp(std::move(attrs), "") {}
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const std::string& x = io.inputs[0];
    const std::string& y = io.output;
    onnx.node("Div", {x, onnx.scalar(y + "/sqrt2", 1.41421356f)}, y + "/scaled");
    onnx.node("Erf", {y + "/scaled"}, y + "/erf");
    onnx.node("Add", {y + "/erf", onnx.scalar(y + "/one", 1.f)}, y + "/shifted");
    onnx.node("Mul", {x, y + "/shifted"}, y + "/product");
    onnx.node("Mul", {y + "/product", onnx.scalar(y + "/half", 0.5f)}, y);
  }
};

OpDef activation(const char* name, const char* doc, const char* onnxType, OpTraits traits) {
  return {name, doc, 1, 1, {},
          [onnxType](Attrs a) { return std::make_unique<ActivationOp>(std::move(a), onnxType); },
          traits};
}
}  // namespace

// ReLU keeps an int8 input's scale and fuses into the op before it in inference; the others
// compute in their input's type, and in fp32 under int8.
const OpRegistration kActivations{{
    activation("ReLU", "max(x, 0).", "Relu",
               {.followsInput = true,
                .int8 = Int8Role::followsInput,
                .inference = InferenceForm::fusesIntoProducer,
                .fusedAs = "relu"}),
    {"GELU", "x * Phi(x), the exact (erf) form.", 1, 1, {},
     [](Attrs a) { return std::make_unique<GeluOp>(std::move(a)); }, {.followsInput = true}},
    activation("Sigmoid", "1 / (1 + exp(-x)).", "Sigmoid", {.followsInput = true}),
    activation("Tanh", "Hyperbolic tangent.", "Tanh", {.followsInput = true})}};

}  // namespace twb
