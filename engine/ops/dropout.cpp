#include "ops/op_registry.h"

namespace twb {

namespace {
// Training: zeroes each element with probability p and scales the rest by 1/(1-p).
// Evaluation: identity.
class DropoutOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    const double p = attrs().number("p");
    if (p < 0 || p >= 1) throw Error("attribute p must be within [0, 1)");
    return in[0];
  }
};
}  // namespace

void registerDropout(OpRegistry& r) {
  r.add({"Dropout", "Randomly zeroes elements while training.", 1, 1,
         {{"p", AttrType::number, 0.5, "Probability of zeroing an element."}},
         [](Attrs a) { return std::make_unique<DropoutOp>(std::move(a)); }});
}

}  // namespace twb
