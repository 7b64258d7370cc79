#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// x is (N, C, H, W), y is (N, C, OH, OW). Stride 0 means "equal to the kernel".
class Pool2dOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 4, "input (N, C, H, W)");
    const auto k = attrs().pair("kernel"), p = attrs().pair("padding");
    const auto s = stride();
    requirePositive(k, "kernel");
    requirePositive(s, "stride");
    if (p[0] < 0 || p[1] < 0 || p[0] * 2 > k[0] || p[1] * 2 > k[1])
      throw Error("attribute padding must be >= 0 and at most half the kernel");
    return {in[0][0], in[0][1], windowOutput(in[0][2], k[0], s[0], p[0], 1, "height"),
            windowOutput(in[0][3], k[1], s[1], p[1], 1, "width")};
  }
  double forwardFlops(const std::vector<Shape>&, const Shape& out) const override {
    const auto k = attrs().pair("kernel");
    return static_cast<double>(numel(out)) * k[0] * k[1];
  }
  std::vector<int64_t> stride() const {
    auto s = attrs().pair("stride");
    return s[0] == 0 && s[1] == 0 ? attrs().pair("kernel") : s;
  }
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
};

std::vector<AttrSpec> poolAttrs(bool average) {
  std::vector<AttrSpec> a{{"kernel", AttrType::integerOrPair, nullptr, "Window size."},
                          {"stride", AttrType::integerOrPair, 0, "Stride; 0: the kernel size."},
                          {"padding", AttrType::integerOrPair, 0, "Implicit padding."}};
  if (average)
    a.push_back({"count_include_pad", AttrType::boolean, true,
                 "Count padded zeros in the average (PyTorch's default)."});
  return a;
}
}  // namespace

void registerPooling(OpRegistry& r) {
  auto pool = [](Attrs a) { return std::make_unique<Pool2dOp>(std::move(a)); };
  r.add({"MaxPool2d", "Maximum over sliding windows.", 1, 1, poolAttrs(false), pool});
  r.add({"AvgPool2d", "Average over sliding windows.", 1, 1, poolAttrs(true), pool});
  r.add({"GlobalAvgPool", "Average of each channel over height and width; outputs (N, C).", 1, 1,
         {},
         [](Attrs a) { return std::make_unique<GlobalAvgPoolOp>(std::move(a)); }});
}

}  // namespace twb
