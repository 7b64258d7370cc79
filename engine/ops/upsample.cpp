#include "ops/onnx_writer.h"
#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// x is (N, C, H, W), y is (N, C, H * scale[0], W * scale[1]): nn.Upsample by whole factors,
// each output pixel its nearest input pixel, or bilinear between the four around its centre
// (align_corners=False, PyTorch's default).
class UpsampleOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 4, "input (N, C, H, W)");
    const auto s = attrs().pair("scale");
    requirePositive(s, "scale");
    const std::string mode = attrs().string("mode");
    if (mode != "nearest" && mode != "bilinear")
      throw Error("attribute mode must be nearest or bilinear, not '" + mode + "'");
    return {in[0][0], in[0][1], in[0][2] * s[0], in[0][3] * s[1]};
  }
  double forwardFlops(const std::vector<Shape>&, const Shape& out) const override {
    return static_cast<double>(numel(out)) * (attrs().string("mode") == "bilinear" ? 4 : 1);
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const auto s = attrs().pair("scale");
    const std::string& y = io.output;
    const std::vector<float> scales{1.f, 1.f, static_cast<float>(s[0]), static_cast<float>(s[1])};
    OnnxNode& node = onnx.node("Resize", {io.inputs[0], "", onnx.floats(y + "/scales", scales)}, y);
    if (attrs().string("mode") == "bilinear")
      node.text("mode", "linear").text("coordinate_transformation_mode", "half_pixel");
    else
      node.text("mode", "nearest")
          .text("coordinate_transformation_mode", "asymmetric")
          .text("nearest_mode", "floor");
  }
};
}  // namespace

const OpRegistration kUpsample{
    {{"Upsample",
      "Enlarges (N, C, H, W) by whole factors: nearest or bilinear (align_corners=False).",
      1,
      1,
      {{"scale", AttrType::integerOrPair, 2, "Factor of the height and width.", 1},
       {"mode", AttrType::string, "nearest", "nearest or bilinear."}},
      [](Attrs a) { return std::make_unique<UpsampleOp>(std::move(a)); },
      {}}}};

}  // namespace twb
