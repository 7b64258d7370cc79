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

nlohmann::json toJson(const Normalization& normalization) {
  return {{"mean", normalization.mean}, {"std", normalization.std}};
}

}  // namespace twb
