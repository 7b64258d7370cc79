#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// How an activation writes itself as ONNX (opset 17).
using OnnxForm = void (*)(OnnxWriter&, const OnnxNodeIo&, const Attrs&);

// Elementwise: y has the shape of x.
class ActivationOp : public Op {
 public:
  ActivationOp(Attrs attrs, OnnxForm onnxForm) : Op(std::move(attrs)), m_onnxForm(onnxForm) {}
  Shape outputShape(const std::vector<Shape>& in) const override {
    const nlohmann::json& a = attrs().json();
    if (a.contains("min") && a.contains("max") && attrs().number("min") > attrs().number("max"))
      throw Error("attribute min must be <= max");
    return in[0];
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return static_cast<double>(numel(in[0]));
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    m_onnxForm(onnx, io, attrs());
  }

 private:
  OnnxForm m_onnxForm;
};

template <const char* onnxType>
void sameOp(OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs&) {
  onnx.node(onnxType, io.inputs, io.output);
}
constexpr char kRelu[] = "Relu", kSigmoid[] = "Sigmoid", kTanh[] = "Tanh",
               kHardSwish[] = "HardSwish", kSoftplus[] = "Softplus", kAbs[] = "Abs", kExp[] = "Exp",
               kLog[] = "Log";

void clip(OnnxWriter& onnx, const OnnxNodeIo& io, float lo, float hi) {
  const std::string& y = io.output;
  onnx.node("Clip", {io.inputs[0], onnx.scalar(y + "/min", lo), onnx.scalar(y + "/max", hi)}, y);
}

// ONNX before opset 20 has no Gelu: x * 0.5 * (1 + erf(x / sqrt(2))), the pattern PyTorch
// writes and io/onnx_import reads back.
void gelu(OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs&) {
  const std::string& x = io.inputs[0];
  const std::string& y = io.output;
  onnx.node("Div", {x, onnx.scalar(y + "/sqrt2", 1.41421356f)}, y + "/scaled");
  onnx.node("Erf", {y + "/scaled"}, y + "/erf");
  onnx.node("Add", {y + "/erf", onnx.scalar(y + "/one", 1.f)}, y + "/shifted");
  onnx.node("Mul", {x, y + "/shifted"}, y + "/product");
  onnx.node("Mul", {y + "/product", onnx.scalar(y + "/half", 0.5f)}, y);
}

OpDef activation(const char* name, const char* doc, std::vector<AttrSpec> attrs,
                 OnnxForm onnxForm, OpTraits traits = {.followsInput = true}) {
  traits.elementwise = true;  // y[i] from x[i] alone, in every layout
  return {name, doc, 1, 1, std::move(attrs),
          [onnxForm](Attrs a) { return std::make_unique<ActivationOp>(std::move(a), onnxForm); },
          traits};
}
}  // namespace

// ReLU keeps an int8 input's scale and fuses into the op before it in inference; ReLU6, GELU,
// SiLU and Hardswish fuse too (unfused they compute in fp32 under int8, being no functions of the
// scaled value); the others compute in their input's type, and in fp32 under int8.
const OpRegistration kActivations{
    {activation("ReLU", "max(x, 0).", {}, sameOp<kRelu>,
                {.followsInput = true,
                 .int8 = Int8Role::followsInput,
                 .inference = InferenceForm::fusesIntoProducer,
                 .fusedAs = "relu"}),
     activation("LeakyReLU", "x where x > 0, else negative_slope * x.",
                {{"negative_slope", AttrType::number, 0.01, "Slope for x < 0."}},
                [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs& a) {
                  onnx.node("LeakyRelu", io.inputs, io.output)
                      .number("alpha", static_cast<float>(a.number("negative_slope")));
                }),
     activation(
         "GELU", "x * Phi(x), the exact (erf) form.", {}, gelu,
         {.followsInput = true, .inference = InferenceForm::fusesIntoProducer, .fusedAs = "gelu"}),
     activation("Sigmoid", "1 / (1 + exp(-x)).", {}, sameOp<kSigmoid>),
     activation("Tanh", "Hyperbolic tangent.", {}, sameOp<kTanh>),
     activation(
         "SiLU", "x * sigmoid(x) (swish).", {},
         [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs&) {
           onnx.node("Sigmoid", io.inputs, io.output + "/gate");
           onnx.node("Mul", {io.inputs[0], io.output + "/gate"}, io.output);
         },
         {.followsInput = true, .inference = InferenceForm::fusesIntoProducer, .fusedAs = "silu"}),
     activation("Hardswish", "x * ReLU6(x + 3) / 6.", {}, sameOp<kHardSwish>,
                {.followsInput = true,
                 .inference = InferenceForm::fusesIntoProducer,
                 .fusedAs = "hardswish"}),
     activation("ELU", "x where x > 0, else alpha * (exp(x) - 1).",
                {{"alpha", AttrType::number, 1.0, "Scale of the negative part."}},
                [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs& a) {
                  onnx.node("Elu", io.inputs, io.output)
                      .number("alpha", static_cast<float>(a.number("alpha")));
                }),
     activation("Softplus", "log(1 + exp(x)).", {}, sameOp<kSoftplus>),
     activation("Abs", "|x| (its gradient 0 at 0).", {}, sameOp<kAbs>),
     activation("Exp", "e to the x.", {}, sameOp<kExp>),
     activation("Log", "The natural logarithm (of x > 0).", {}, sameOp<kLog>),
     // ONNX before opset 18 has no Mish: the three nodes PyTorch writes, read back as one.
     activation("Mish", "x * tanh(softplus(x)).", {},
                [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs&) {
                  onnx.node("Softplus", io.inputs, io.output + "/softplus");
                  onnx.node("Tanh", {io.output + "/softplus"}, io.output + "/gate");
                  onnx.node("Mul", {io.inputs[0], io.output + "/gate"}, io.output);
                }),
     activation("HardSigmoid", "max(0, min(1, alpha * x + beta)).",
                {{"alpha", AttrType::number, 1.0 / 6, "Slope (PyTorch: 1/6; ONNX's default: 0.2)."},
                 {"beta", AttrType::number, 0.5, "Offset."}},
                [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs& a) {
                  onnx.node("HardSigmoid", io.inputs, io.output)
                      .number("alpha", static_cast<float>(a.number("alpha")))
                      .number("beta", static_cast<float>(a.number("beta")));
                }),
     activation("Sqrt", "The square root (of x > 0).", {},
                [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs&) {
                  onnx.node("Sqrt", io.inputs, io.output);
                }),
     activation("Pow", "x to a constant power.",
                {{"exponent", AttrType::number, nullptr, "The power."}},
                [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs& a) {
                  const std::string& y = io.output;
                  const float p = static_cast<float>(a.number("exponent"));
                  onnx.node("Pow", {io.inputs[0], onnx.scalar(y + "/exponent", p)}, y);
                }),
     activation("Scale", "x * factor, a constant (attention's 1 / sqrt(d)).",
                {{"factor", AttrType::number, nullptr, "The constant multiplier."}},
                [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs& a) {
                  const std::string& y = io.output;
                  const float factor = static_cast<float>(a.number("factor"));
                  onnx.node("Mul", {io.inputs[0], onnx.scalar(y + "/factor", factor)}, y);
                }),
     activation(
         "ReLU6", "min(max(x, 0), 6).", {},
         [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs&) { clip(onnx, io, 0, 6); },
         {.followsInput = true, .inference = InferenceForm::fusesIntoProducer, .fusedAs = "relu6"}),
     activation("Clip", "min(max(x, min), max).",
                {{"min", AttrType::number, nullptr, "Lower bound."},
                 {"max", AttrType::number, nullptr, "Upper bound."}},
                [](OnnxWriter& onnx, const OnnxNodeIo& io, const Attrs& a) {
                  clip(onnx, io, static_cast<float>(a.number("min")),
                       static_cast<float>(a.number("max")));
                })}};

}  // namespace twb
