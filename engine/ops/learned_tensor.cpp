#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// y = x (op) p with p a learned tensor broadcast against x as NumPy does (aligned at the last
// dimension, dimensions of 1 repeated), but never across the batch: p = (T, D) on (N, T, D) is a
// ViT's positional embedding, (C, 1, 1) on (N, C, H, W) a per-channel offset or ConvNeXt's layer
// scale, and ONNX's (1, T, D) form is read as it is.
class LearnedTensorOp : public Op {
 public:
  // Bias adds p (starting at zero), LayerScale multiplies by it (starting at one).
  LearnedTensorOp(Attrs attrs, bool multiplies) : Op(std::move(attrs)), m_multiplies(multiplies) {}

  Shape outputShape(const std::vector<Shape>& in) const override {
    const Shape p = attrs().integers("shape");
    const Shape& x = in[0];
    if (p.size() > x.size())
      throw Error("attribute shape " + toString(p) + " has more dimensions than " + toString(x));
    const size_t offset = x.size() - p.size();
    for (size_t i = 0; i < p.size(); ++i) {
      const int64_t want = i + offset == 0 ? 1 : x[i + offset];
      if (p[i] != want && p[i] != 1)
        throw Error("attribute shape " + toString(p) + " does not broadcast to " + toString(x) +
                    " without the batch: entry " + std::to_string(i) + " must be " +
                    std::to_string(want) + " or 1");
    }
    return x;
  }
  std::vector<ParamSpec> params(const std::vector<Shape>&) const override {
    ParamSpec p = m_multiplies ? ParamSpec{"scale", attrs().integers("shape"), ParamInit::ones}
                               : ParamSpec{"bias", attrs().integers("shape"), ParamInit::zeros};
    p.trainable = !attrs().boolean("fixed");
    return {p};
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return static_cast<double>(numel(in[0]));
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    // NumPy broadcasting aligns the ends, as ONNX's does.
    onnx.node(m_multiplies ? "Mul" : "Add", io.inputsAndParams(), io.output);
  }

 private:
  bool m_multiplies;
};

std::vector<AttrSpec> tensorAttrs() {
  return {{"shape", AttrType::integers, nullptr,
           "Shape of the learned tensor, aligned with the input's last dimensions."},
          {"fixed", AttrType::boolean, false,
           "Keep the tensor as it is given, untrained: a constant of an imported model (Swin's "
           "attention mask)."}};
}
}  // namespace

const OpRegistration kLearnedTensor{
    {{"Bias",
      "Adds a learned tensor (starting at zero), broadcast as NumPy does but not across the batch.",
      1,
      1,
      tensorAttrs(),
      [](Attrs a) { return std::make_unique<LearnedTensorOp>(std::move(a), false); },
      {.bf16 = true}},
     {"LayerScale",
      "Multiplies by a learned tensor (starting at one), broadcast as NumPy does but not across "
      "the batch: ConvNeXt's and CaiT's layer scale, an imported Mul by a constant tensor.",
      1,
      1,
      tensorAttrs(),
      [](Attrs a) { return std::make_unique<LearnedTensorOp>(std::move(a), true); },
      {.bf16 = true}}}};

}  // namespace twb
