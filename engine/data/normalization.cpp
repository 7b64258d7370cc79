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
