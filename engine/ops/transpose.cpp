#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// Permutes the dimensions of (N, ...): output dimension i is input dimension perm[i]. The batch
// stays first.
class TransposeOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    const std::vector<int64_t> perm = attrs().integers("perm");
    const size_t rank = in[0].size();
    if (perm.size() != rank)
      throw Error("attribute perm has " + std::to_string(perm.size()) + " entries for the " +
                  std::to_string(rank) + " dimensions of " + toString(in[0]));
    std::vector<bool> seen(rank, false);
    Shape out;
    for (int64_t p : perm) {
      if (p < 0 || p >= static_cast<int64_t>(rank) || seen[p])
        throw Error("attribute perm must order each of 0.." + std::to_string(rank - 1) + " once");
      seen[p] = true;
      out.push_back(in[0][p]);
    }
    if (perm[0] != 0) throw Error("attribute perm must keep the batch first (perm[0] = 0)");
    return out;
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("Transpose", io.inputs, io.output).integers("perm", attrs().integers("perm"));
  }
};
}  // namespace

// A copy in another order: it keeps its input's type and int8 scale.
const OpRegistration kTranspose{
    {{"Transpose",
      "Permutes the dimensions after the batch.",
      1,
      1,
      {{"perm", AttrType::integers, nullptr, "Output dimension i is input dimension perm[i]."}},
      [](Attrs a) { return std::make_unique<TransposeOp>(std::move(a)); },
      {.followsInput = true, .int8 = Int8Role::followsInput}}}};

}  // namespace twb
