#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// a (op) b elementwise with NumPy broadcasting between inputs of equal rank: each dimension
// equal, or 1 on one side. The batch (dimension 0) is the same for both.
class BinaryOp : public Op {
 public:
  BinaryOp(Attrs attrs, const char* onnxType) : Op(std::move(attrs)), m_onnxType(onnxType) {}
  Shape outputShape(const std::vector<Shape>& in) const override {
    const Shape &a = in[0], &b = in[1];
    if (a.size() != b.size())
      throw Error("inputs " + toString(a) + " and " + toString(b) +
                  " must have the same rank (write a Reshape to add dimensions of 1)");
    Shape out(a.size());
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i] != b[i] && a[i] != 1 && b[i] != 1)
        throw Error("inputs " + toString(a) + " and " + toString(b) +
                    " do not broadcast: " + "dimension " + std::to_string(i) + " is " +
                    std::to_string(a[i]) + " and " + std::to_string(b[i]));
      out[i] = std::max(a[i], b[i]);
    }
    if (a[0] != b[0])
      throw Error("the batch of " + toString(a) + " and " + toString(b) + " differ");
    return out;
  }
  double forwardFlops(const std::vector<Shape>&, const Shape& out) const override {
    return static_cast<double>(numel(out));
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node(m_onnxType, io.inputs, io.output);
  }

 private:
  const char* m_onnxType;
};

OpDef binary(const char* name, const char* doc, const char* onnxType) {
  return {name,
          doc,
          2,
          2,
          {},
          [onnxType](Attrs a) { return std::make_unique<BinaryOp>(std::move(a), onnxType); },
          {.bf16 = true}};
}
}  // namespace

// Like Add, they compute in bf16 under mixed precision and in fp32 under int8.
const OpRegistration kElementwise{
    {binary("Mul", "a * b elementwise, broadcasting dimensions of 1.", "Mul"),
     binary("Sub", "a - b elementwise, broadcasting dimensions of 1.", "Sub"),
     binary("Div", "a / b elementwise, broadcasting dimensions of 1.", "Div")}};

}  // namespace twb
