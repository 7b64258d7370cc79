#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace twb {

// The calibrated range of one activation: values are clipped to [-threshold, threshold], or to
// [0, threshold] when calibration never saw a negative value (after a ReLU). Such a value is
// stored as u8 with scale threshold / 255, any other as s8 with scale threshold / 127; a real
// value is q * scale, with no zero point (oneDNN's and ONNX's symmetric form).
struct ActivationRange {
  float threshold = 1;
  bool nonNegative = false;
  DType type() const { return nonNegative ? DType::u8 : DType::s8; }
  float scale() const;
};

// How one Conv2d or Linear layer runs under int8: on int8 kernels with these weight scales
// (one per output channel; real weight = q * scale), or kept in fp32.
struct LayerQuant {
  bool int8 = true;
  std::vector<float> weightScales;
};

// Everything int8 execution needs besides the fp32 model: the result of calibration. Stored in
// a quantized model file's metadata (docs/model-file.md) and in the quantize report.
struct QuantPlan {
  std::string observer = "percentile";  // how the ranges were found: minmax|percentile|entropy
  double percentile = 99.99;
  std::string scheme = "per-channel";   // weights: per-channel | local (per block of channels)
  int64_t window = 1;                   // output channels per weight scale (local scheme)
  int64_t samples = 0;                  // calibration samples seen
  std::map<std::string, ActivationRange> activations;  // by value name
  std::map<std::string, LayerQuant> layers;             // by node name

  const ActivationRange& range(const std::string& value) const;  // throws naming the value
  bool isInt8(const std::string& node) const;
  int64_t int8LayerCount() const;

  nlohmann::json toJson() const;
  // Errors name the path of the bad field ("quantization.layers.conv1.weight_scales").
  static QuantPlan fromJson(const nlohmann::json& json, const std::string& path);
};

// Symmetric s8 scales of a weight tensor (OUT, ...): per output channel, or, for the local
// scheme, one per block of `window` consecutive output channels, value -> round(value / max|v|
// of the block * levels); `levels` is 127, or 63 for a matmul on a CPU that would saturate
// (int8MatmulWeightLevels()).
std::vector<float> weightScales(const float* weights, int64_t outChannels, int64_t perChannel,
                                int64_t window, int levels = 127);

// `scales` of weights (OUT, ...) widened where a channel would need more than `levels`: a plan
// calibrated on a CPU whose kernels multiply 8-bit weights exactly, run on one whose kernels
// would saturate them (no VNNI). Such a channel's scale becomes max |w| / levels; channels that
// fit keep theirs, so a plan calibrated here runs as calibrated.
std::vector<float> weightScalesWithin(const std::vector<float>& scales, const Tensor& weights,
                                      int levels);

// q = round(w / scale[oc]) saturated to [-127, 127], rounding as the int8 kernels do (w times
// 1 / scale, to nearest even); and back, q * scale[oc]. Weights are (OUT, ...).
Tensor toInt8Weights(const Tensor& weights, const std::vector<float>& scales);
Tensor fromInt8Weights(const Tensor& quantized, const std::vector<float>& scales);

}  // namespace twb
