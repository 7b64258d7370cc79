#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/model_argument.h"
#include "cli/option_checks.h"
#include "cli/output_file.h"
#include "cli/progress_bar.h"
#include "core/error.h"
#include "core/file_writing.h"
#include "train/quantizer.h"

namespace twb {

namespace {
void printReport(const nlohmann::json& r) {
  const auto& f = r["fp32"];
  const auto& q = r["int8"];
  std::printf("%s: %lld of %zu layers in int8 (%s observer, %s scheme, %lld calibration samples)\n",
              r["model"].get<std::string>().c_str(),
              static_cast<long long>(r["int8_layers"].get<int64_t>()), r["layers"].size(),
              r["calibration"]["observer"].get<std::string>().c_str(),
              r["calibration"]["scheme"].get<std::string>().c_str(),
              static_cast<long long>(r["calibration"]["samples"].get<int64_t>()));
  std::printf("%-22s %14s %14s %10s\n", "", "fp32", "int8", "ratio");
  std::printf("%-22s %13.2f%% %13.2f%% %+9.2f pt\n", "accuracy", 100 * f["accuracy"].get<double>(),
              100 * q["accuracy"].get<double>(), -r["accuracy_drop_points"].get<double>());
  std::printf("%-22s %14lld %14lld %9.2fx\n", "bytes",
              static_cast<long long>(f["bytes"].get<int64_t>()),
              static_cast<long long>(q["bytes"].get<int64_t>()), r["size_ratio"].get<double>());
  // The report names the class that rose least where none fell; that is no "hardest hit".
  if (const auto hardest = r.find("hardest_hit_class"); hardest != r.end()) {
    if ((*hardest)["points"].get<double>() >= 0)
      std::printf("%-22s none: no class loses accuracy in int8\n", "hardest-hit class");
    else
      std::printf("%-22s %13.2f%% %13.2f%% %+9.2f pt  (%s)\n", "hardest-hit class",
                  100 * (*hardest)["fp32"].get<double>(), 100 * (*hardest)["int8"].get<double>(),
                  (*hardest)["points"].get<double>(),
                  (*hardest)["name"].get<std::string>().c_str());
  }
  for (const char* key : {"samples_per_s_b1", "samples_per_s_b64"})
    if (f.contains(key))
      std::printf("%-22s %14.0f %14.0f %9.2fx\n", key, f[key].get<double>(), q[key].get<double>(),
                  q[key].get<double>() / f[key].get<double>());
  int nameWidth = 16;  // as wide as the longest name: imported models' names run long
  for (const auto& l : r["layers"])
    nameWidth = std::max(nameWidth, static_cast<int>(l["name"].get<std::string>().size()));
  std::printf("\n%-*s %-8s %-9s %12s %12s %10s %10s\n", nameWidth, "layer", "op", "precision",
              "in scale", "out scale", "SQNR dB", "acc. pt");
  for (const auto& l : r["layers"]) {
    char sqnr[32] = "inf", delta[32] = "", outScale[32] = "f32";
    if (!l["sqnr_db"].is_null()) std::snprintf(sqnr, sizeof sqnr, "%.1f", l["sqnr_db"].get<double>());
    if (!l["output_scale"].is_null())
      std::snprintf(outScale, sizeof outScale, "%.4g", l["output_scale"].get<double>());
    if (l.contains("accuracy_delta_points"))
      std::snprintf(delta, sizeof delta, "%+.2f", l["accuracy_delta_points"].get<double>());
    std::printf("%-*s %-8s %-9s %12.4g %12s %10s %10s\n", nameWidth,
                l["name"].get<std::string>().c_str(), l["op"].get<std::string>().c_str(),
                l["precision"].get<std::string>().c_str(), l["input_scale"].get<double>(), outScale,
                sqnr, delta);
  }
  if (r.contains("max_drop_reached") && !r["max_drop_reached"].get<bool>())
    std::printf("\ncould not reach a drop of at most %.2f points with any layer in int8\n",
                r["max_drop_points"].get<double>());
}
}  // namespace

void addQuantizeCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand(
      "quantize", "Post-training int8 quantization: calibrate, measure, write the int8 model");
  struct Args {
    std::string model, calib, eval, out, report, observer = "percentile",
                                                  scheme = "per-channel";
    int64_t samples = 512, window = 8;
    double percentile = 99.99;
    std::optional<double> maxDrop;
    bool sensitivity = false, json = false, noThroughput = false;
    std::vector<std::string> inputShapes;
  };
  static Args args;
  cmd->add_option(
         "MODEL", args.model,
         "fp32 model file (.twbm), ONNX model (.onnx), job file (.json) or a run's folder (its "
         "model.twbm)")
      ->required();
  addInputShapeOption(*cmd, args.inputShapes);
  cmd->add_option("--calib", args.calib,
                  std::string("Calibration dataset (its training split): ") + kDatasetSpecForms +
                      " (default: the data the model was trained on, as its file records it)");
  cmd->add_option("--samples", args.samples, "Calibration samples")->check(countAtLeast(1));
  cmd->add_option("--observer", args.observer, "minmax, percentile or entropy")
      ->check(CLI::IsMember(kObserverNames));
  cmd->add_option("--percentile", args.percentile, "Percentile of magnitudes (percentile observer)")
      ->check(numberWithin(50, 100));
  cmd->add_option("--scheme", args.scheme, "per-channel or local (one weight scale per window)")
      ->check(CLI::IsMember(kSchemeNames));
  cmd->add_option("--window", args.window, "Output channels per weight scale (local scheme)")
      ->check(countAtLeast(1));
  cmd->add_option("--max-drop", args.maxDrop,
                  "Accuracy-aware: keep sensitive layers in fp32 until the drop is <= P points")
      ->check(numberWithin(0, 100));
  cmd->add_flag("--sensitivity", args.sensitivity, "Measure each layer's accuracy change alone");
  cmd->add_option("--eval", args.eval,
                  "Evaluation dataset (default: without --calib, the data the model was "
                  "evaluated on in training; else the calibration dataset's test split)");
  cmd->add_option("-o,--out", args.out, "int8 model file to write (.twbm)")->required();
  cmd->add_option("--report", args.report, "Also write the report as JSON");
  cmd->add_flag("--json", args.json, "Print the report as one JSON object");
  cmd->add_flag("--no-throughput", args.noThroughput, "Skip the throughput measurements");
  cmd->callback([&exitCode] {
    checkOutputFile(args.out, ".twbm", "quantize writes the int8 model as a model file",
                    "`twb-engine export` of it writes QDQ ONNX");
    if (!args.report.empty()) checkFileCanBeWritten(args.report);  // before the work, not after
    const ModelFile model = loadModelArgument(args.model, parseInputShapeOptions(args.inputShapes));
    const Shape input = model.spec.soleInputShape();
    // Given neither, the data the model was trained and evaluated on.
    const std::string calibData =
        args.calib.empty() ? recordedDataset(model, args.model, "--calib", false) : args.calib;
    const std::string evalData = !args.eval.empty() ? args.eval
                                 : args.calib.empty()
                                     ? recordedDataset(model, args.model, "--eval", true)
                                     : calibData;
    const DatasetSplits calib = openDataset(calibData, input);
    const DatasetSplits eval = evalData == calibData ? calib : openDataset(evalData, input);
    QuantizeOptions options;
    options.calibration.samples = args.samples;
    options.calibration.observer = args.observer;
    options.calibration.percentile = args.percentile;
    options.calibration.scheme = args.scheme;
    options.calibration.window = args.window;
    options.maxDrop = args.maxDrop;
    options.sensitivity = args.sensitivity;
    options.throughput = !args.noThroughput;
    const std::atomic<bool>* stop = installInterruptHandler();
    StageProgress progress(isatty(STDERR_FILENO));
    const nlohmann::json report = quantizeModel(
        model, calib.train, eval.test,
        model.dataset.normalization.value_or(calib.train->defaultNormalization()), options, args.out,
        [&](const std::string& stage, double fraction) {
          progress.update(stage, fraction);
          return !stop->load();
        });
    progress.finish();
    if (!args.report.empty()) writeFileWhole(args.report, report.dump(2) + "\n");
    if (args.json)
      std::printf("%s\n", report.dump().c_str());
    else
      printReport(report);
    exitCode = kExitOk;
  });
}

}  // namespace twb
