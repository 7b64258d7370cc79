#include "exec/quant_plan.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/json_object.h"

namespace twb {

float ActivationRange::scale() const {
  // A range that never left zero (a dead channel) still needs a usable scale.
  return std::max(threshold, 1e-8f) / (nonNegative ? 255.f : 127.f);
}

const ActivationRange& QuantPlan::range(const std::string& value) const {
  auto it = activations.find(value);
  if (it == activations.end())
    throw Error("quantization plan has no calibrated range for '" + value + "'");
  return it->second;
}

bool QuantPlan::isInt8(const std::string& node) const {
  auto it = layers.find(node);
  return it != layers.end() && it->second.int8;
}

int64_t QuantPlan::int8LayerCount() const {
  return std::count_if(layers.begin(), layers.end(), [](const auto& l) { return l.second.int8; });
}

nlohmann::json QuantPlan::toJson() const {
  nlohmann::json acts = nlohmann::json::object(), lays = nlohmann::json::object();
  for (const auto& [name, r] : activations)
    acts[name] = {{"threshold", r.threshold}, {"non_negative", r.nonNegative}};
  for (const auto& [name, l] : layers)
    lays[name] = {{"precision", l.int8 ? "int8" : "fp32"}, {"weight_scales", l.weightScales}};
  return {{"observer", observer}, {"percentile", percentile}, {"scheme", scheme},
          {"window", window},     {"samples", samples},       {"activations", acts},
          {"layers", lays}};
}

QuantPlan QuantPlan::fromJson(const nlohmann::json& json, const std::string& path) {
  JsonObject o(json, path);
  QuantPlan plan;
  plan.observer = o.string("observer");
  plan.percentile = o.number("percentile");
  plan.scheme = o.string("scheme");
  plan.window = o.integer("window");
  plan.samples = o.integer("samples");
  if (plan.window < 1) throw o.badValue("window", "must be >= 1");
  const auto& acts = o.raw("activations");
  if (!acts.is_object()) throw o.error("activations", "must be an object");
  for (const auto& [name, value] : acts.items()) {
    JsonObject r(value, o.pathOf("activations") + "." + name);
    ActivationRange range{static_cast<float>(r.number("threshold")), r.boolean("non_negative")};
    if (!(range.threshold >= 0) || !std::isfinite(range.threshold))
      throw r.error("threshold", "must be a finite number >= 0");
    r.rejectUnknown();
    plan.activations[name] = range;
  }
  const auto& lays = o.raw("layers");
  if (!lays.is_object()) throw o.error("layers", "must be an object");
  for (const auto& [name, value] : lays.items()) {
    JsonObject l(value, o.pathOf("layers") + "." + name);
    LayerQuant layer;
    const std::string precision = l.string("precision");
    if (precision != "int8" && precision != "fp32")
      throw l.error("precision", "must be int8 or fp32, not '" + precision + "'");
    layer.int8 = precision == "int8";
    const auto& scales = l.raw("weight_scales");
    if (!scales.is_array()) throw l.error("weight_scales", "must be an array of numbers");
    for (const auto& s : scales) {
      if (!s.is_number() || !(s.get<double>() > 0))
        throw l.error("weight_scales", "must hold numbers > 0");
      layer.weightScales.push_back(s.get<float>());
    }
    l.rejectUnknown();
    plan.layers[name] = std::move(layer);
  }
  o.rejectUnknown();
  return plan;
}

std::vector<float> weightScales(const float* weights, int64_t outChannels, int64_t perChannel,
                                int64_t window, int levels) {
  std::vector<float> scales(static_cast<size_t>(outChannels));
  for (int64_t first = 0; first < outChannels; first += window) {
    const int64_t last = std::min(outChannels, first + window);
    float absMax = 0;
    for (int64_t i = first * perChannel; i < last * perChannel; ++i)
      absMax = std::max(absMax, std::fabs(weights[i]));
    // An all-zero channel quantizes to zeros with any scale; 1 keeps the division defined.
    const float scale = absMax > 0 ? absMax / static_cast<float>(levels) : 1.f;
    std::fill(scales.begin() + first, scales.begin() + last, scale);
  }
  return scales;
}

std::vector<float> weightScalesWithin(const std::vector<float>& scales, const Tensor& weights,
                                      int levels) {
  const auto channels = static_cast<int64_t>(scales.size());
  // Each channel's own scale for `levels`: max |w| / levels.
  const std::vector<float> tight =
      weightScales(weights.data<float>(), channels, weights.numel() / channels, 1, levels);
  std::vector<float> fitted = scales;
  for (size_t c = 0; c < scales.size(); ++c)
    // Kept where max |w| rounds to at most `levels`: calibrated for this CPU, or one as exact.
    if (tight[c] * static_cast<float>(levels) >= scales[c] * (static_cast<float>(levels) + 0.5f))
      fitted[c] = tight[c];
  return fitted;
}

Tensor toInt8Weights(const Tensor& weights, const std::vector<float>& scales) {
  Tensor q(weights.shape(), DType::s8);
  const int64_t perChannel = weights.numel() / static_cast<int64_t>(scales.size());
  for (int64_t i = 0; i < weights.numel(); ++i) {
    const float inverse = 1.f / scales[static_cast<size_t>(i / perChannel)];
    const float v = std::nearbyint(weights.data<float>()[i] * inverse);
    q.data<int8_t>()[i] = static_cast<int8_t>(std::fmax(-127.f, std::fmin(127.f, v)));
  }
  return q;
}

Tensor fromInt8Weights(const Tensor& quantized, const std::vector<float>& scales) {
  Tensor w(quantized.shape(), DType::f32);
  const int64_t perChannel = quantized.numel() / static_cast<int64_t>(scales.size());
  for (int64_t i = 0; i < quantized.numel(); ++i)
    w.data<float>()[i] = quantized.data<int8_t>()[i] * scales[static_cast<size_t>(i / perChannel)];
  return w;
}

}  // namespace twb
