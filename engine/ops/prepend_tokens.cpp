#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// (N, T, ...) -> (N, count + T, ...): learned tokens of the input's token shape put before every
// sample's tokens. ViT's class token (torchvision's `class_token`, (1, 1, D), starting at zero),
// which PyTorch writes as an Expand of the parameter to the batch and a Concat.
class PrependTokensOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    if (in[0].size() < 3)
      throw Error("input " + toString(in[0]) + " has no tokens: it needs (N, T, ...)");
    Shape out = in[0];
    out[1] += attrs().integer("count");
    return out;
  }
  // (1, count, ...), the shape PyTorch gives the parameter, so that ONNX's Expand reads it.
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    Shape tokens = in[0];
    tokens[0] = 1;
    tokens[1] = attrs().integer("count");
    return {{"tokens", tokens, ParamInit::zeros}};
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const std::string& y = io.output;
    const auto tokenDims = static_cast<int64_t>(io.outputShape.size()) - 1;
    onnx.node("Shape", {io.inputs[0]}, y + "/input_shape");
    onnx.node("Slice",
              {y + "/input_shape", onnx.int64s(y + "/zero", {0}), onnx.int64s(y + "/one", {1})},
              y + "/batch");
    // (N, 1, 1, ...): the parameter repeated along the batch alone.
    onnx.node("Concat",
              {y + "/batch", onnx.int64s(y + "/ones", std::vector<int64_t>(tokenDims, 1))},
              y + "/expanded_shape")
        .integer("axis", 0);
    onnx.node("Expand", {io.params[0], y + "/expanded_shape"}, y + "/tokens");
    onnx.node("Concat", {y + "/tokens", io.inputs[0]}, y).integer("axis", 1);
  }
};
}  // namespace

// A copy: fp32 in every precision.
const OpRegistration kPrependTokens{
    {{"PrependTokens",
      "Puts learned tokens (starting at zero) before each sample's tokens: ViT's class token.",
      1,
      1,
      {{"count", AttrType::integer, 1, "Tokens put before the input's.", 1}},
      [](Attrs a) { return std::make_unique<PrependTokensOp>(std::move(a)); },
      {}}}};

}  // namespace twb
