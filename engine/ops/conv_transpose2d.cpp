#include "ops/onnx_writer.h"
#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// x is (N, C, H, W), W is (C, OC, KH, KW) as PyTorch and ONNX hold it, y is (N, OC, OH, OW) with
// OH = (H - 1) * stride - 2 * padding + dilation * (KH - 1) + output_padding + 1: the gradient of
// a convolution with these attributes, run forward (a decoder's enlarging layer).
class ConvTranspose2dOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 4, "input (N, C, H, W)");
    const auto k = attrs().pair("kernel"), s = attrs().pair("stride"), p = attrs().pair("padding"),
               o = attrs().pair("output_padding"), d = attrs().pair("dilation");
    Shape out{in[0][0], attrs().integer("out_channels"), 0, 0};
    for (int i = 0; i < 2; ++i) {
      if (o[i] >= s[i] && o[i] >= d[i])
        throw Error("attribute output_padding must be smaller than the stride or the dilation");
      out[2 + i] = (in[0][2 + i] - 1) * s[i] - 2 * p[i] + d[i] * (k[i] - 1) + o[i] + 1;
      if (out[2 + i] < 1)
        throw Error(std::string("the padding leaves no output ") + (i ? "width" : "height"));
    }
    return out;
  }
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    const auto k = attrs().pair("kernel");
    const int64_t oc = attrs().integer("out_channels");
    const int64_t fanIn = oc * k[0] * k[1];  // PyTorch's: the weight's size(1) times the kernel
    std::vector<ParamSpec> p{
        {"weight", {in[0][1], oc, k[0], k[1]}, ParamInit::uniformFanIn, fanIn}};
    if (attrs().boolean("bias")) p.push_back({"bias", {oc}, ParamInit::uniformFanIn, fanIn});
    return p;
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    const auto k = attrs().pair("kernel");
    return 2.0 * numel(in[0]) * attrs().integer("out_channels") * k[0] * k[1];
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const auto p = attrs().pair("padding");
    onnx.node("ConvTranspose", io.inputsAndParams(), io.output)
        .integers("kernel_shape", attrs().pair("kernel"))
        .integers("strides", attrs().pair("stride"))
        .integers("pads", {p[0], p[1], p[0], p[1]})
        .integers("output_padding", attrs().pair("output_padding"))
        .integers("dilations", attrs().pair("dilation"));
  }
};
}  // namespace

const OpRegistration kConvTranspose2d{
    {{"ConvTranspose2d",
      "2-D transposed convolution over (N, C, H, W) (PyTorch's, groups 1).",
      1,
      1,
      {{"out_channels", AttrType::integer, nullptr, "Output channels.", 1},
       {"kernel", AttrType::integerOrPair, nullptr, "Kernel size, k or [kh, kw].", 1},
       {"stride", AttrType::integerOrPair, 1, "Stride (the enlargement).", 1},
       {"padding", AttrType::integerOrPair, 0, "Rows and columns taken off each side.", 0},
       {"output_padding", AttrType::integerOrPair, 0, "Rows and columns added at the far side.", 0},
       {"dilation", AttrType::integerOrPair, 1, "Spacing between kernel taps.", 1},
       {"bias", AttrType::boolean, true, "Add a learned bias."}},
      [](Attrs a) { return std::make_unique<ConvTranspose2dOp>(std::move(a)); },
      {}}}};

}  // namespace twb
