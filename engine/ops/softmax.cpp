#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// Softmax over the class dimension of (N, C).
class SoftmaxOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 2, "input (N, classes)");
    return in[0];
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return 3.0 * numel(in[0]);
  }
};
}  // namespace

void registerSoftmax(OpRegistry& r) {
  r.add({"Softmax", "exp(x) / sum(exp(x)) over the classes of (N, C).", 1, 1, {},
         [](Attrs a) { return std::make_unique<SoftmaxOp>(std::move(a)); }});
}

}  // namespace twb
