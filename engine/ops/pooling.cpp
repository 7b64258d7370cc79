#include "ops/onnx_writer.h"
#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// x is (N, C, H, W), y is (N, C, OH, OW). Stride 0 means "equal to the kernel".
class Pool2dOp : public Op {
 public:
  Pool2dOp(Attrs attrs, bool average) : Op(std::move(attrs)), m_average(average) {}
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 4, "input (N, C, H, W)");
    const auto k = attrs().pair("kernel"), p = attrs().pair("padding");
    const auto s = stride();
    requirePositive(k, "kernel");
    requirePositive(s, "stride");
    if (p[0] < 0 || p[1] < 0 || p[0] * 2 > k[0] || p[1] * 2 > k[1])
      throw Error("attribute padding must be >= 0 and at most half the kernel");
    const Shape out{in[0][0], in[0][1], outputSize(in[0][2], k[0], s[0], p[0], "height"),
                    outputSize(in[0][3], k[1], s[1], p[1], "width")};
    // PyTorch divides a window that reaches past the padding by what it covers of the input and
    // padding; a count of the padding (oneDNN's) divides every window by the kernel's size.
    const bool padded = p[0] > 0 || p[1] > 0;
    for (int i = 0; i < 2; ++i)
      if (m_average && padded && attrs().boolean("count_include_pad") &&
          (out[2 + i] - 1) * s[i] - p[i] + k[i] > in[0][2 + i] + p[i])
        throw Error(
            "ceil_mode with count_include_pad and padding: the last window reaches past "
            "the padding, which PyTorch leaves out of the count; set count_include_pad "
            "to false");
    return out;
  }
  // ceil_mode (MaxPool2d as SqueezeNet's and GoogLeNet's 3x3 / 2 pools have it, AvgPool2d as
  // ResNet-D's shortcut has it) keeps a last window that overhangs the input's far edge, by
  // PyTorch's and ONNX's rule: one more output where the strides do not end on the edge, unless
  // that window would start in the padding.
  int64_t outputSize(int64_t in, int64_t k, int64_t s, int64_t p, const char* axis) const {
    const int64_t floor = windowOutput(in, k, s, p, 1, axis);
    if (!attrs().boolean("ceil_mode") || (in + 2 * p - k) % s == 0) return floor;
    return floor * s < in + p ? floor + 1 : floor;
  }
  double forwardFlops(const std::vector<Shape>&, const Shape& out) const override {
    const auto k = attrs().pair("kernel");
    return static_cast<double>(numel(out)) * k[0] * k[1];
  }
  std::vector<int64_t> stride() const {
    auto s = attrs().pair("stride");
    return s[0] == 0 && s[1] == 0 ? attrs().pair("kernel") : s;
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    const auto p = attrs().pair("padding");
    OnnxNode& n = onnx.node(m_average ? "AveragePool" : "MaxPool", io.inputs, io.output)
                      .integers("kernel_shape", attrs().pair("kernel"))
                      .integers("strides", stride())
                      .integers("pads", {p[0], p[1], p[0], p[1]});
    if (m_average) n.integer("count_include_pad", attrs().boolean("count_include_pad"));
    if (attrs().boolean("ceil_mode")) n.integer("ceil_mode", 1);
  }

 private:
  bool m_average;
};

// x is (N, C, H, W), y is (N, C): the mean over each channel's plane.
class GlobalAvgPoolOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 4, "input (N, C, H, W)");
    return {in[0][0], in[0][1]};
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return static_cast<double>(numel(in[0]));
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("GlobalAveragePool", io.inputs, io.output + "/nchw");
    onnx.node("Flatten", {io.output + "/nchw"}, io.output).integer("axis", 1);
  }
};

std::vector<AttrSpec> poolAttrs(bool average) {
  std::vector<AttrSpec> a{{"kernel", AttrType::integerOrPair, nullptr, "Window size.", 1},
                          {"stride", AttrType::integerOrPair, 0, "Stride; 0: the kernel size.", 0},
                          {"padding", AttrType::integerOrPair, 0, "Implicit padding.", 0}};
  if (average)
    a.push_back({"count_include_pad", AttrType::boolean, true,
                 "Count padded zeros in the average (PyTorch's default)."});
  a.push_back({"ceil_mode", AttrType::boolean, false,
               "Round the output size up: a last window may overhang the input's far edge."});
  return a;
}
}  // namespace

// Pooling keeps its input's type, int8 included (one scale in and out).
constexpr OpTraits kPoolTraits{.followsInput = true, .int8 = Int8Role::followsInput};

const OpRegistration kPooling{{
    {"MaxPool2d", "Maximum over sliding windows.", 1, 1, poolAttrs(false),
     [](Attrs a) { return std::make_unique<Pool2dOp>(std::move(a), false); }, kPoolTraits},
    {"AvgPool2d", "Average over sliding windows.", 1, 1, poolAttrs(true),
     [](Attrs a) { return std::make_unique<Pool2dOp>(std::move(a), true); }, kPoolTraits},
    {"GlobalAvgPool", "Average of each channel over height and width; outputs (N, C).", 1, 1, {},
     [](Attrs a) { return std::make_unique<GlobalAvgPoolOp>(std::move(a)); }, kPoolTraits}}};

}  // namespace twb
