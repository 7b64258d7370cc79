#include "ops/op_registry.h"

namespace twb {

namespace {
// Elementwise: y has the shape of x.
class ActivationOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override { return in[0]; }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return static_cast<double>(numel(in[0]));
  }
};
}  // namespace

void registerActivations(OpRegistry& r) {
  auto make = [](Attrs a) { return std::make_unique<ActivationOp>(std::move(a)); };
  r.add({"ReLU", "max(x, 0).", 1, 1, {}, make});
  r.add({"GELU", "x * Phi(x), the exact (erf) form.", 1, 1, {}, make});
  r.add({"Sigmoid", "1 / (1 + exp(-x)).", 1, 1, {}, make});
  r.add({"Tanh", "Hyperbolic tangent.", 1, 1, {}, make});
}

}  // namespace twb
