#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "exec/quant_plan.h"
#include "quant/inference_rewrite.h"

namespace twb {

// What int8 costs, layer by layer, and which layers to keep in fp32.

// `plan` with only `layer` in int8 (every other Conv2d and Linear in fp32).
QuantPlan onlyLayer(const QuantPlan& plan, const std::string& layer);

// Per int8-capable layer: the signal-to-quantization-noise ratio of its output when only it runs
// in int8, against the fp32 model, in dB (10 log10(sum x^2 / sum (x - q)^2), infinite when
// equal), over the calibration samples (at most `limit`, in at most 4 whole chunks that keep the
// two executors within the inference activation budget). `progress` gets the fraction done and
// returns false to cancel (a twb::Error "quantization cancelled").
std::map<std::string, double> layerSqnr(const InferenceModel& model, const QuantPlan& plan,
                                        const std::vector<float>& samples,
                                        const std::function<bool(double)>& progress = {},
                                        int64_t limit = 256);

// Accuracy (0 to 1) of the model under a plan; null: fp32.
using AccuracyFunction = std::function<double(const QuantPlan*)>;

struct AccuracyAwareResult {
  double fp32Accuracy = 0, int8Accuracy = 0;
  std::map<std::string, double> accuracyDelta;  // points, with only that layer in int8
  std::vector<std::string> keptFp32;            // in the order they were moved back
  bool reached = true;                          // the drop is <= maxDrop with some int8 left
};

// Per layer, the accuracy change with only it in int8. With maxDrop >= 0, then moves the most
// sensitive layer (largest accuracy loss, then lowest SQNR) back to fp32, one at a time, until
// the whole model's drop is at most maxDrop points; `plan` is updated in place.
AccuracyAwareResult analyseSensitivity(QuantPlan& plan, const std::map<std::string, double>& sqnr,
                                       const AccuracyFunction& accuracy,
                                       std::optional<double> maxDrop);

}  // namespace twb
