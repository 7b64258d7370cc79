#include "core/error.h"
#include "core/json_object.h"
#include "data/dataset.h"

namespace twb {

Normalization normalizationFromJson(const nlohmann::json& json, const std::string& path) {
  JsonObject o(json, path);
  const std::vector<double> mean = o.numbers("mean"), std = o.numbers("std");
  if (mean.empty() || mean.size() != std.size())
    throw o.error("mean", "needs as many values as std, at least one (has " +
                              std::to_string(mean.size()) + " and " + std::to_string(std.size()) +
                              ")");
  for (double s : std)
    if (!(s > 0)) throw o.error("std", "must hold values > 0");
  o.rejectUnknown();
  return {{mean.begin(), mean.end()}, {std.begin(), std.end()}};
}

void checkNormalizationFits(const Normalization& n, const Dataset& dataset) {
  const Shape& shape = dataset.sampleShape();
  const int64_t channels = shape.size() >= 3 ? shape[0] : 1;
  if (n.mean.size() != n.std.size() ||
      (n.mean.size() != 1 && static_cast<int64_t>(n.mean.size()) != channels))
    throw Error(
        "mean and std need " +
        (channels == 1 ? std::string("1 value") : "1 or " + std::to_string(channels) + " values") +
        " each for the " + std::to_string(channels) + "-channel samples of " + dataset.name() +
        ", got " + std::to_string(n.mean.size()) + " and " + std::to_string(n.std.size()));
  for (float s : n.std)
    if (!(s > 0)) throw Error("std must be > 0");
}

void normalizeSample(const Normalization& normalization, float* sample, int64_t size) {
  const auto channels = static_cast<int64_t>(normalization.mean.size());
  const int64_t plane = size / channels;
  for (int64_t c = 0; c < channels; ++c) {
    const float mean = normalization.mean[c], inv = 1.0f / normalization.std[c];
    for (int64_t i = c * plane; i < (c + 1) * plane; ++i) sample[i] = (sample[i] - mean) * inv;
  }
}

nlohmann::json toJson(const Normalization& normalization) {
  return {{"mean", normalization.mean}, {"std", normalization.std}};
}

}  // namespace twb
