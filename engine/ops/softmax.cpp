#include "ops/onnx_writer.h"
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
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("Softmax", io.inputs, io.output).integer("axis", 1);
  }
};
}  // namespace

// Computes in fp32 in every precision (its input is cast up).
const OpRegistration kSoftmax{{
    {"Softmax", "exp(x) / sum(exp(x)) over the classes of (N, C).", 1, 1, {},
     [](Attrs a) { return std::make_unique<SoftmaxOp>(std::move(a)); }, {}}}};

}  // namespace twb
