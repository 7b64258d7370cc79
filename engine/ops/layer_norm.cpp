#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// Normalises each vector along the last dimension of (N, ..., D) to zero mean and unit variance,
// then scales and shifts it by learned per-feature weight and bias (PyTorch's LayerNorm(D));
// with `affine` false there are none (elementwise_affine=False). Its statistics stay fp32 in
// every precision.
class LayerNormOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    if (in[0].size() < 2 || in[0].size() > 5)
      throw Error("expects an input of 2 to 5 dimensions (N, ..., features), got " +
                  toString(in[0]));
    if (attrs().number("eps") <= 0) throw Error("attribute eps must be > 0");
    return in[0];
  }
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    if (!attrs().boolean("affine")) return {};
    const int64_t d = in[0].back();
    return {{"weight", {d}, ParamInit::ones}, {"bias", {d}, ParamInit::zeros}};
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return 8.0 * numel(in[0]);  // mean, variance, normalise, scale and shift
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    std::vector<std::string> inputs = io.inputsAndParams();
    if (!attrs().boolean("affine"))  // ONNX's scale is not optional
      inputs.push_back(
          onnx.floats(io.output + "/ones", std::vector<float>(io.outputShape.back(), 1.f)));
    onnx.node("LayerNormalization", inputs, io.output)
        .integer("axis", -1)
        .number("epsilon", static_cast<float>(attrs().number("eps")));
  }
};
}  // namespace

const OpRegistration kLayerNorm{
    {{"LayerNorm",
      "Normalisation over the last dimension, with learned scale and shift (unless affine is "
      "false).",
      1,
      1,
      {{"eps", AttrType::number, 1e-5, "Added to the variance."},
       {"affine", AttrType::boolean, true,
        "Learned per-feature weight and bias; false: none (PyTorch's elementwise_affine)."}},
      [](Attrs a) { return std::make_unique<LayerNormOp>(std::move(a)); },
      {.followsInput = true}}}};

}  // namespace twb
