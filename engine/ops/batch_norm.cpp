#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// x and y are (N, C, H, W); statistics are per channel. Training normalises with the batch's
// statistics and updates the running ones; evaluation uses the running ones.
class BatchNorm2dOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 4, "input (N, C, H, W)");
    if (attrs().number("eps") <= 0) throw Error("attribute eps must be > 0");
    const double m = attrs().number("momentum");
    if (m < 0 || m > 1) throw Error("attribute momentum must be within [0, 1]");
    return in[0];
  }
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    const int64_t c = in[0][1];
    return {{"weight", {c}, ParamInit::ones},
            {"bias", {c}, ParamInit::zeros},
            {"running_mean", {c}, ParamInit::zeros, 1, false},
            {"running_var", {c}, ParamInit::ones, 1, false}};
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return 2.0 * numel(in[0]);
  }
};
}  // namespace

void registerBatchNorm(OpRegistry& r) {
  r.add({"BatchNorm2d", "Batch normalisation over (N, H, W) for each channel.", 1, 1,
         {{"eps", AttrType::number, 1e-5, "Added to the variance."},
          {"momentum", AttrType::number, 0.1, "Weight of the batch in the running statistics."}},
         [](Attrs a) { return std::make_unique<BatchNorm2dOp>(std::move(a)); }});
}

}  // namespace twb
