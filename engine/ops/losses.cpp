#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// Mean over the batch of -log softmax(logits)[label]; logits (N, C), labels (N) as s32.
class SoftmaxCrossEntropyOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 2, "logits (N, classes)");
    if (in[1] != Shape{in[0][0]})
      throw Error("labels " + toString(in[1]) + " must be (N) for logits " + toString(in[0]));
    return {1};
  }
  bool differentiable(size_t input) const override { return input == 0; }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return 4.0 * numel(in[0]);
  }
};

// Mean of (prediction - target)^2 over every element.
class MseOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    if (in[0] != in[1])
      throw Error("target " + toString(in[1]) + " must match prediction " + toString(in[0]));
    return {1};
  }
  bool differentiable(size_t input) const override { return input == 0; }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return 3.0 * numel(in[0]);
  }
};
}  // namespace

// Losses compute in fp32 and have no inference (ONNX) form.
const OpRegistration kLosses{{
    {"SoftmaxCrossEntropy", "Cross-entropy of softmax(logits) against integer labels.", 2, 2, {},
     [](Attrs a) { return std::make_unique<SoftmaxCrossEntropyOp>(std::move(a)); },
     {.loss = LossTarget::classIndex}},
    {"MSE", "Mean squared error against a target of the same shape.", 2, 2, {},
     [](Attrs a) { return std::make_unique<MseOp>(std::move(a)); },
     {.loss = LossTarget::likeOutput}}}};

}  // namespace twb
