#include "ops/fused_activation.h"
#include "ops/onnx_writer.h"
#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// x is (N, C, H, W), W is (OC, C/groups, KH, KW), y is (N, OC, OH, OW).
class Conv2dOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 4, "input (N, C, H, W)");
    fusedActivation(attrs());
    const auto k = attrs().pair("kernel"), s = attrs().pair("stride"),
               p = attrs().pair("padding"), d = attrs().pair("dilation");
    // Every attribute is within its range here (AttrSpec::min): sizes >= 1, padding >= 0.
    const int64_t oc = attrs().integer("out_channels"), g = attrs().integer("groups");
    if (in[0][1] % g || oc % g)
      throw Error("input channels " + std::to_string(in[0][1]) + " and out_channels " +
                  std::to_string(oc) + " must both be divisible by groups " + std::to_string(g));
    return {in[0][0], oc, windowOutput(in[0][2], k[0], s[0], p[0], d[0], "height"),
            windowOutput(in[0][3], k[1], s[1], p[1], d[1], "width")};
  }
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    const auto k = attrs().pair("kernel");
    const int64_t oc = attrs().integer("out_channels"), icg = in[0][1] / attrs().integer("groups");
    const int64_t fanIn = icg * k[0] * k[1];
    std::vector<ParamSpec> p{{"weight", {oc, icg, k[0], k[1]}, ParamInit::uniformFanIn, fanIn}};
    if (attrs().boolean("bias")) p.push_back({"bias", {oc}, ParamInit::uniformFanIn, fanIn});
    return p;
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape& out) const override {
    const auto k = attrs().pair("kernel");
    const double icg = static_cast<double>(in[0][1]) / attrs().integer("groups");
    return 2.0 * numel(out) * icg * k[0] * k[1];
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const auto p = attrs().pair("padding");
    onnx.node("Conv", io.inputsAndParams(), io.output)
        .integers("kernel_shape", attrs().pair("kernel"))
        .integers("strides", attrs().pair("stride"))
        .integers("pads", {p[0], p[1], p[0], p[1]})
        .integers("dilations", attrs().pair("dilation"))
        .integer("group", attrs().integer("groups"));
  }
};
}  // namespace

const OpRegistration kConv2d{{
    {"Conv2d", "2-D convolution over (N, C, H, W).", 1, 1,
     {{"out_channels", AttrType::integer, nullptr, "Output channels.", 1},
      {"kernel", AttrType::integerOrPair, nullptr, "Kernel size, k or [kh, kw].", 1},
      {"stride", AttrType::integerOrPair, 1, "Stride.", 1},
      {"padding", AttrType::integerOrPair, 0, "Zero padding on each side.", 0},
      {"dilation", AttrType::integerOrPair, 1, "Spacing between kernel taps.", 1},
      {"groups", AttrType::integer, 1, "Channel groups (channels = groups: depthwise).", 1},
      {"bias", AttrType::boolean, true, "Add a learned bias."},
      fusedActivationAttr()},
     [](Attrs a) { return std::make_unique<Conv2dOp>(std::move(a)); },
     {.bf16 = true, .int8 = Int8Role::weighted, .absorbsFold = true, .fusedFormInputs = 1}}}};

}  // namespace twb
