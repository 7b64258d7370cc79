#include <cmath>

#include "ops/onnx_writer.h"
#include "ops/op_registry.h"
#include "ops/shape_check.h"

namespace twb {

namespace {
// x and y are (N, C, H, W); statistics are per channel. Training normalises with the batch's
// statistics and updates the running ones; evaluation uses the running ones.
class BatchNorm2dOp : public Op {
 public:
  using Op::Op;
  Shape outputShape(const std::vector<Shape>& in) const override {
    requireRank(in[0], 4, "input (N, C, H, W)");
    if (attrs().number("eps") <= 0) throw Error("attribute eps must be > 0");
    const double m = attrs().number("momentum");
    if (m < 0 || m > 1) throw Error("attribute momentum must be within [0, 1]");
    return in[0];
  }
  std::vector<ParamSpec> params(const std::vector<Shape>& in) const override {
    const int64_t c = in[0][1];
    return {{"weight", {c}, ParamInit::ones},
            {"bias", {c}, ParamInit::zeros},
            {"running_mean", {c}, ParamInit::zeros, 1, false},
            {"running_var", {c}, ParamInit::ones, 1, false}};
  }
  double forwardFlops(const std::vector<Shape>& in, const Shape&) const override {
    return 2.0 * numel(in[0]);
  }
  // Inference: (x - mean) / sqrt(var + eps) * gamma + beta.
  void channelAffine(const ParamLookup& param, std::vector<float>& scale,
                     std::vector<float>& shift) const override {
    const float* gamma = param("weight").data<float>();
    const float* beta = param("bias").data<float>();
    const float* mean = param("running_mean").data<float>();
    const float* var = param("running_var").data<float>();
    const double eps = attrs().number("eps");
    const int64_t channels = param("weight").numel();
    scale.resize(channels);
    shift.resize(channels);
    for (int64_t c = 0; c < channels; ++c) {
      scale[c] = static_cast<float>(gamma[c] / std::sqrt(var[c] + eps));
      shift[c] = beta[c] - mean[c] * scale[c];
    }
  }
  void toOnnx(OnnxWriter& onnx, const OnnxNodeIo& io) const override {
    onnx.node("BatchNormalization", io.inputsAndParams(), io.output)
        .number("epsilon", static_cast<float>(attrs().number("eps")))
        .number("momentum", static_cast<float>(1.0 - attrs().number("momentum")));
  }
};
}  // namespace

// Its statistics stay fp32 whatever its data type; in inference it folds into a convolution
// before it, or runs in fp32 under int8.
const OpRegistration kBatchNorm2d{{
    {"BatchNorm2d", "Batch normalisation over (N, H, W) for each channel.", 1, 1,
     {{"eps", AttrType::number, 1e-5, "Added to the variance."},
      {"momentum", AttrType::number, 0.1, "Weight of the batch in the running statistics.", 0, 1}},
     [](Attrs a) { return std::make_unique<BatchNorm2dOp>(std::move(a)); },
     {.followsInput = true, .inference = InferenceForm::foldsIntoProducer}}}};

}  // namespace twb
