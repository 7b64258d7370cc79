#include "ops/onnx_writer.h"
#include "ops/op_registry.h"

namespace twb {

namespace {
// Bias adds p (starting at zero), LayerScale multiplies by it (starting at one), PReLU
// multiplies x < 0 by it (starting at 0.25, as PyTorch's).
enum class Use { add, multiply, negativeSlope };

// y = x (op) p with p a learned tensor broadcast against x as NumPy does (aligned at the last
// dimension, dimensions of 1 repeated), but never across the batch: p = (T, D) on (N, T, D) is a
// ViT's positional embedding, (C, 1, 1) on (N, C, H, W) a per-channel offset, ConvNeXt's layer
// scale or a PReLU's slopes, and ONNX's (1, T, D) form is read as it is.
class LearnedTensorOp : public Op {
 public:
  LearnedTensorOp(Attrs attrs, Use use) : Op(std::move(attrs)), m_use(use) {}

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
    const Shape shape = attrs().integers("shape");
    ParamSpec p = m_use == Use::add        ? ParamSpec{"bias", shape, ParamInit::zeros}
                  : m_use == Use::multiply ? ParamSpec{"scale", shape, ParamInit::ones}
                                           : ParamSpec{"slope", shape, ParamInit::constant};
    if (m_use == Use::negativeSlope) p.value = 0.25f;  // PyTorch's
    p.trainable = !attrs().boolean("fixed");
    return {p};
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return static_cast<double>(numel(in[0]));
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    // NumPy broadcasting aligns the ends, as ONNX's does (PRelu's slope too).
    const char* type = m_use == Use::add ? "Add" : m_use == Use::multiply ? "Mul" : "PRelu";
    onnx.node(type, io.inputsAndParams(), io.output);
  }

 private:
  Use m_use;
};

std::vector<AttrSpec> tensorAttrs(nlohmann::json shape = nullptr) {
  return {{"shape", AttrType::integers, std::move(shape),
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
      [](Attrs a) { return std::make_unique<LearnedTensorOp>(std::move(a), Use::add); },
      {.bf16 = true}},
     {"LayerScale",
      "Multiplies by a learned tensor (starting at one), broadcast as NumPy does but not across "
      "the batch: ConvNeXt's and CaiT's layer scale, an imported Mul by a constant tensor.",
      1,
      1,
      tensorAttrs(),
      [](Attrs a) { return std::make_unique<LearnedTensorOp>(std::move(a), Use::multiply); },
      {.bf16 = true}},
     {"PReLU",
      "x where x > 0, else slope * x, with learned slopes (starting at 0.25) broadcast as Bias's "
      "tensor is: shape [1] one slope for all, [C, 1, 1] one per channel of (N, C, H, W).",
      1,
      1,
      tensorAttrs(nlohmann::json::array({1})),
      [](Attrs a) { return std::make_unique<LearnedTensorOp>(std::move(a), Use::negativeSlope); },
      {}}}};

}  // namespace twb
