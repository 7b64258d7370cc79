#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// Softmax or log-softmax along one axis of (N, ...); the output has the input's shape.
class SoftmaxOp : public Op {
 public:
  SoftmaxOp(Attrs attrs, const char* onnxType) : Op(std::move(attrs)), m_onnxType(onnxType) {}
  Shape outputShape(const std::vector<Shape>& in) const override {
    if (in[0].size() < 2) throw Error("expects an input (N, ...), got " + toString(in[0]));
    axis(in[0]);
    return in[0];
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return 3.0 * numel(in[0]);
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node(m_onnxType, io.inputs, io.output).integer("axis", axis(io.outputShape));
  }

 private:
  // The axis as a dimension index; -1 is the last. Axis 0 is the batch: refused.
  int64_t axis(const Shape& shape) const {
    const int64_t rank = static_cast<int64_t>(shape.size()), a = attrs().integer("axis");
    const int64_t resolved = a < 0 ? a + rank : a;
    if (resolved < 1 || resolved >= rank)
      throw Error("attribute axis " + std::to_string(a) + " is out of range for " +
                  toString(shape) + " (axis 0 is the batch)");
    return resolved;
  }
  const char* m_onnxType;
};

OpDef softmax(const char* name, const char* doc, const char* onnxType) {
  return {name,
          doc,
          1,
          1,
          {{"axis", AttrType::integer, -1, "Axis to normalise along; -1: the last."}},
          [onnxType](Attrs a) { return std::make_unique<SoftmaxOp>(std::move(a), onnxType); },
          {}};
}
}  // namespace

// Both compute in fp32 in every precision (their input is cast up).
const OpRegistration kSoftmax{
    {softmax("Softmax", "exp(x) / sum(exp(x)) along one axis.", "Softmax"),
     softmax("LogSoftmax", "x - log(sum(exp(x))) along one axis.", "LogSoftmax")}};

}  // namespace twb
