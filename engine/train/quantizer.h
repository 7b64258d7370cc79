#pragma once

#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "data/dataset.h"
#include "io/model_file.h"
#include "quant/calibrator.h"
#include "quant/sensitivity.h"
#include "train/event_log.h"

namespace twb {

struct QuantizeOptions {
  CalibrationOptions calibration;
  std::optional<double> maxDrop;  // accuracy-aware mode: the largest drop allowed, in points
  bool sensitivity = false;       // per-layer accuracy changes even without maxDrop
  int64_t evalBatch = 500;
  bool throughput = true;         // measure samples/s at batch 1 and 64 in fp32 and int8
};

// Post-training quantization from start to end, as `twb-engine quantize` and the node service
// run it: rewrite the fp32 model for inference (BatchNorm folded, ReLU fused), calibrate on
// the calibration set, measure every layer's SQNR, optionally keep sensitive layers in fp32,
// evaluate both precisions on the evaluation set, write the int8 model to `outPath` and
// return the report (documented in docs/quantization.md): "fp32" and "int8" objects with
// accuracy, bytes, samples_per_s_b1 and samples_per_s_b64, and "layers".
// `progress` gets (stage, fraction) and returns false to cancel.
nlohmann::json quantizeModel(const ModelFile& fp32, const std::shared_ptr<const Dataset>& calib,
                             const std::shared_ptr<const Dataset>& eval,
                             const Normalization& normalization, const QuantizeOptions& options,
                             const std::string& outPath,
                             const std::function<bool(const std::string&, double)>& progress = {});

// Writes a quantizeModel() report as quantize.json in `outDir` and publishes it as the `quantize`
// event (docs/events.md), as an int8 training job and a quantize job of the node end.
void publishQuantizeReport(const nlohmann::json& report, const std::string& outDir,
                           EventLog& events);

}  // namespace twb
