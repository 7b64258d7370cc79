#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "data/dataset.h"
#include "exec/quant_plan.h"
#include "quant/inference_rewrite.h"

namespace twb {

// The values of CalibrationOptions' observer and scheme: the command lines offer these, the
// node service refuses any other.
inline const std::vector<std::string> kObserverNames{"minmax", "percentile", "entropy"};
inline const std::vector<std::string> kSchemeNames{"per-channel", "local"};

struct CalibrationOptions {
  int64_t samples = 512;
  std::string observer = "percentile";
  double percentile = 99.99;
  std::string scheme = "per-channel";  // or "local": one weight scale per `window` channels
  int64_t window = 8;                  // local scheme only
  int64_t batch = 64;
  uint64_t seed = 0;                   // which samples (a seeded shuffle of the dataset)
};

// Reads `samples` samples of the calibration set, normalised as the model was trained. Errors
// name the dataset and the model input when the shapes differ, and a sample count below 1.
std::vector<float> calibrationSamples(const InferenceModel& model,
                                      const std::shared_ptr<const Dataset>& data,
                                      const Normalization& normalization,
                                      const CalibrationOptions& options);

// Runs the calibration samples through the fp32 inference model and returns the plan: the
// range of every activation from the chosen observer, and s8 scales for the weights of every
// Conv2d and Linear (all of them int8). `progress` gets the fraction done and returns false to
// cancel (a twb::Error "calibration cancelled").
QuantPlan calibrate(const InferenceModel& model, const std::vector<float>& samples,
                    const CalibrationOptions& options,
                    const std::function<bool(double)>& progress = {});

}  // namespace twb
