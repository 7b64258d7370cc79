// InstanceNormalization, as PyTorch writes nn.InstanceNorm2d and nn.GroupNorm (the groups as
// channels of (N, G, -1), then the per-channel scale and shift): each sample's channel
// normalised over its values is a LayerNorm over the last axis of (N, C, L); the channel's scale
// and shift follow as a LayerScale and a Bias (left out where they are 1 and 0 and no parameter).
// As for the LayerNorm PyTorch decomposes before opset 17, that LayerNorm's own weight and bias
// (1 and 0 as imported) are parameters too.

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <optional>

#include "core/error.h"
#include "io/onnx_importer.h"

namespace twb::onnx_import {

void Importer::instanceNorm(const ImportedNode& n) {
  const std::vector<SymbolicDim> shape = onnxShapeOf(n.input(0));
  if (shape.size() < 3)
    throw n.error("expects (N, C, ...), got " + std::to_string(shape.size()) + " dimension(s)");
  int64_t values = 1;  // of one channel of one sample
  for (size_t i = 2; i < shape.size(); ++i) {
    if (shape[i].batch != 0) throw n.error("the batch is among the values it normalises");
    values *= shape[i].value;
  }
  const int64_t channels = shape[1].value;
  auto perChannel = [&](int input, float identity) -> std::optional<Tensor> {
    const Tensor& t = constant(n, input);
    if (t.numel() != channels)
      throw n.error("input " + std::to_string(input) + " holds " + std::to_string(t.numel()) +
                    " values for " + std::to_string(channels) + " channels");
    const float* v = t.data<float>();
    if (!m_learned.count(n.input(input)) &&
        std::all_of(v, v + t.numel(), [&](float x) { return x == identity; }))
      return std::nullopt;
    Shape broadcast(shape.size() - 1, 1);  // (C, 1, ...) over the dimensions after the batch
    broadcast[0] = channels;
    return Tensor::view(t, 0, broadcast);
  };
  const std::optional<Tensor> scale = perChannel(1, 1.f), shift = perChannel(2, 0.f);

  Rewrite rewrite(*this, n, "instance-norm");
  const bool flat = shape.size() == 3;
  const bool last = !scale && !shift;
  std::string x = flat ? n.input(0) : rewrite.reshaped(n.input(0), {0, 0, -1});
  Tensor ones({values}, DType::f32);
  ones.fill(1.f);
  x = rewrite.emit(
      "LayerNormalization",
      {x, rewrite.constant("ones", ones, false),
       rewrite.constant("zeros", Tensor({values}, DType::f32), false)},
      {Rewrite::integer("axis", -1), Rewrite::number("epsilon", n.number("epsilon", 1e-5f))},
      last && flat ? n.output() : "");
  if (!flat) {
    std::vector<int64_t> back{0, 0};
    for (size_t i = 2; i < shape.size(); ++i) back.push_back(shape[i].value);
    x = rewrite.reshaped(x, back, last ? n.output() : "");
  }
  if (scale)
    x = rewrite.emit("Mul", {x, rewrite.constant("scale", *scale, m_learned.count(n.input(1)) > 0)},
                     {}, shift ? "" : n.output());
  if (shift)
    rewrite.emit("Add", {x, rewrite.constant("shift", *shift, m_learned.count(n.input(2)) > 0)}, {},
                 n.output());
}

}  // namespace twb::onnx_import
