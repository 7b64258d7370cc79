#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// y = x + p with p a learned tensor of the per-sample shape `shape`, broadcast over the batch
// and along its dimensions of 1: a ViT's positional embedding, or a per-channel offset.
class BiasOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    const Shape p = attrs().integers("shape");
    if (p.size() + 1 != in[0].size())
      throw Error("attribute shape " + toString(p) +
                  " must have one entry per dimension after "
                  "the batch of " +
                  toString(in[0]));
    for (size_t i = 0; i < p.size(); ++i)
      if (p[i] != in[0][i + 1] && p[i] != 1)
        throw Error("attribute shape " + toString(p) + " does not broadcast to " + toString(in[0]) +
                    ": entry " + std::to_string(i) + " must be " + std::to_string(in[0][i + 1]) +
                    " or 1");
    return in[0];
  }
  std::vector<ParamSpec> params(const std::vector<Shape>&) const override {
    return {{"bias", attrs().integers("shape"), ParamInit::zeros}};
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return static_cast<double>(numel(in[0]));
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("Add", io.inputsAndParams(), io.output);  // NumPy broadcasting aligns the ends
  }
};
}  // namespace

const OpRegistration kBias{
    {{"Bias",
      "Adds a learned tensor (starting at zero), broadcast over the batch and dimensions of 1.",
      1,
      1,
      {{"shape", AttrType::integers, nullptr, "Per-sample shape of the learned tensor."}},
      [](Attrs a) { return std::make_unique<BiasOp>(std::move(a)); },
      {.bf16 = true}}}};

}  // namespace twb
