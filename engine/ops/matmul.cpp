#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// The matrix product of two activations over their last two dimensions, batched over the
// others: (N, ..., M, K) x (N, ..., K, P) -> (N, ..., M, P) (attention's scores and mix).
class MatMulOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    const Shape &a = in[0], &b = in[1];
    if (a.size() < 3 || a.size() != b.size())
      throw Error("expects inputs of equal rank >= 3 (N, ..., M, K) and (N, ..., K, P), got " +
                  toString(a) + " and " + toString(b));
    const size_t r = a.size();
    if (!std::equal(a.begin(), a.end() - 2, b.begin()))
      throw Error("the leading dimensions of " + toString(a) + " and " + toString(b) +
                  " differ (no broadcasting)");
    if (a[r - 1] != b[r - 2])
      throw Error("cannot multiply " + toString(a) + " by " + toString(b) + ": " +
                  std::to_string(a[r - 1]) + " != " + std::to_string(b[r - 2]));
    Shape out = a;
    out[r - 1] = b[r - 1];
    return out;
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape& out) const override {
    return 2.0 * numel(out) * in[0].back();
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("MatMul", io.inputs, io.output);
  }
};
}  // namespace

// A matrix product: bf16 under mixed precision; fp32 under int8 (no weights to calibrate).
const OpRegistration kMatMul{
    {{"MatMul",
      "Batched matrix product of two activations over their last two dimensions.",
      2,
      2,
      {},
      [](Attrs a) { return std::make_unique<MatMulOp>(std::move(a)); },
      {.bf16 = true}}}};

}  // namespace twb
