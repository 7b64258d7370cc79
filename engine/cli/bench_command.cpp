#include <omp.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>

#include "backend/cpu/cpu_kernel.h"
#include "cli/commands.h"
#include "cli/model_argument.h"
#include "cli/option_checks.h"
#include "core/available_memory.h"
#include "core/error.h"
#include "core/file_writing.h"
#include "core/random.h"
#include "data/data_loader.h"
#include "graph/frozen_layers.h"
#include "profile/matmul_peak.h"
#include "profile/step_benchmark.h"
#include "profile/synthetic_inputs.h"
#include "quant/calibrator.h"
#include "train/optimizer.h"

namespace twb {

namespace {
// An int8 plan for timing only: the model's inference form with activation ranges from 64
// random samples. Its accuracy means nothing; its speed is int8's.
ModelFile quantizeForSpeed(const ModelFile& fp32) {
  InferenceModel model = rewriteForInference(fp32.spec, fp32.params);
  std::vector<float> samples(static_cast<size_t>(64 * numel(model.spec.inputs.at(0).shape)));
  Random random(3);
  fillSyntheticInput(model.spec, model.spec.inputs.at(0).name, samples.data(),
                     static_cast<int64_t>(samples.size()), random);
  CalibrationOptions options;
  options.observer = "minmax";
  QuantPlan plan = calibrate(model, samples, options);
  return {std::move(model.spec), std::move(model.params), std::move(plan), {}, {}};
}

// In MiB, as bench prints it.
double peakResidentMiB() { return static_cast<double>(peakResidentBytes()) / (1 << 20); }

// Batches per second of the data loader alone, drawing the training split of `spec` as the
// model's input: what a training step waits for when the data cannot keep up.
nlohmann::json benchmarkData(const std::string& spec, const Shape& input, int64_t batch,
                             int64_t warmup, int64_t steps) {
  const auto data = openDataset(spec, input).train;
  if (data->sampleShape() != input)
    throw Error(spec + ": samples of " + toString(data->sampleShape()) +
                " do not fit the model's input " + toString(input));
  DataLoaderOptions options;
  options.batch = batch;
  options.normalization = data->defaultNormalization();
  DataLoader loader(data, options);
  if (loader.batchesPerEpoch() == 0)
    throw Error(spec + ": " + std::to_string(data->size()) + " samples hold no batch of " +
                std::to_string(batch));
  std::vector<float> samples(static_cast<size_t>(batch * numel(input)));
  std::vector<int32_t> labels(static_cast<size_t>(batch));
  int64_t epoch = 0, timed = 0;
  loader.start(epoch);
  auto nextBatch = [&] {
    while (!loader.next(samples.data(), labels.data())) loader.start(++epoch);
  };
  for (int64_t i = 0; i < warmup; ++i) nextBatch();
  const auto start = std::chrono::steady_clock::now();
  for (; timed < steps; ++timed) nextBatch();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {{"dataset", spec}, {"batch", batch}, {"samples_per_s", timed * batch / seconds},
          {"batch_ms", 1e3 * seconds / timed}};
}
struct BenchArgs {
  std::string model, precision = "fp32", mode = "train", dataset;
  int64_t batch = 128, steps = 50, warmup = 10;
  int threads = 0;
  bool json = false, profile = false, winograd = true;
  std::string trace;
  std::vector<std::string> inputShapes;
  std::vector<std::string> freeze;  // layers held still in training (a job file's "freeze")
};

// The nodes of `spec` that --freeze (or the job file's "freeze") names.
std::vector<std::string> frozenNodes(const ModelSpec& spec, const BenchArgs& args) {
  if (args.freeze.empty()) return {};
  try {
    return frozenLayers(spec, Graph::build(spec, 1), args.freeze);
  } catch (const Error& e) {
    throw Error(std::string("--") + e.what());
  }
}

// "1 thread", "2 threads": what the steps ran on.
std::string threadsText() {
  const int threads = omp_get_max_threads();
  return std::to_string(threads) + (threads == 1 ? " thread" : " threads");
}

// One precision's steps, timed against that precision's matmul peak measured here.
struct PrecisionBench {
  nlohmann::json summary;
  StepBenchmarkResult result;
};

PrecisionBench benchPrecision(ModelFile file, const std::string& precisionName,
                              const BenchArgs& args, bool profile) {
  const Precision precision = parsePrecision(precisionName);
  if (precision == Precision::int8 && !file.quant) file = quantizeForSpeed(file);
  if (args.mode == "infer") file = inferenceForm(std::move(file), precision, args.model);
  const double peak = measureMatmulPeakGflops(precision);
  OptimizerConfig sgd;  // a training step costs its usual optimizer too
  sgd.momentum = 0.9;
  const auto optimizer = makeOptimizer(sgd);
  StepBenchmarkOptions options{
      args.batch,
      args.warmup,
      args.steps,
      args.mode == "train",
      precision,
      profile ? 1 : 0,
      &file.params,
      file.quant ? &*file.quant : nullptr,
      [&](std::vector<Parameter>& params) { optimizer->step(params, 0.01f); }};
  options.winograd = args.winograd;
  options.frozen = frozenNodes(file.spec, args);
  StepBenchmarkResult r = benchmarkSteps(file.spec, options);
  nlohmann::json summary = {{"model", file.spec.name},
                            {"precision", precisionName},
                            {"winograd", args.winograd},
                            {"mode", args.mode},
                            {"batch", args.batch},
                            {"threads", omp_get_max_threads()},
                            {"samples_per_s", r.samplesPerSecond()},
                            {"step_ms_p50", r.percentileMs(50)},
                            {"step_ms_p90", r.percentileMs(90)},
                            {"gflop_per_step", r.flopsPerStep / 1e9},
                            {"gflops", r.gflops()},
                            {"peak_gflops", peak},
                            {"mfu", r.gflops() / peak}};
  return {std::move(summary), std::move(r)};
}

// `--precision all`: every precision the mode has (int8 only infers), each against its own
// peak, and its speed over fp32's; a precision this CPU cannot run says why.
void benchEveryPrecision(const ModelFile& file, const BenchArgs& args) {
  std::vector<std::string> precisions{"fp32", "bf16"};
  if (args.mode == "infer") precisions.push_back("int8");
  nlohmann::json rows = nlohmann::json::array();
  for (const std::string& p : precisions) {
    if (p == "bf16" && !bf16Unavailable().empty()) {
      rows.push_back({{"precision", p}, {"unavailable", bf16Unavailable()}});
      continue;
    }
    rows.push_back(benchPrecision(file, p, args, false).summary);
  }
  const double fp32 = rows[0]["samples_per_s"].get<double>();
  for (auto& row : rows)
    if (row.contains("samples_per_s")) row["speedup"] = row["samples_per_s"].get<double>() / fp32;
  if (args.json) {
    std::printf("%s\n", nlohmann::json{{"model", file.spec.name},
                                       {"mode", args.mode},
                                       {"batch", args.batch},
                                       {"threads", omp_get_max_threads()},
                                       {"precisions", rows},
                                       {"peak_rss_mib", peakResidentMiB()}}
                            .dump()
                            .c_str());
    return;
  }
  std::printf("%s %s, batch %lld, %s\n", file.spec.name.c_str(), args.mode.c_str(),
              static_cast<long long>(args.batch), threadsText().c_str());
  std::printf("  %-9s %12s %9s %12s %14s %7s\n", "precision", "samples/s", "vs fp32", "GFLOP/s",
              "peak GFLOP/s", "MFU");
  for (const auto& row : rows) {
    if (row.contains("unavailable")) {
      std::printf("  %-9s not on this CPU: %s\n", row["precision"].get<std::string>().c_str(),
                  row["unavailable"].get<std::string>().c_str());
      continue;
    }
    std::printf("  %-9s %12.0f %8.2fx %12.1f %14.1f %5.1f %%\n",
                row["precision"].get<std::string>().c_str(), row["samples_per_s"].get<double>(),
                row["speedup"].get<double>(), row["gflops"].get<double>(),
                row["peak_gflops"].get<double>(), 100 * row["mfu"].get<double>());
  }
  std::printf("  peak memory %.0f MiB\n", peakResidentMiB());
}
}  // namespace

void addBenchCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("bench", "Measure training or inference throughput of a model");
  static BenchArgs args;
  cmd->add_option(
         "MODEL", args.model,
         "Template name, model file (.twbm), ONNX model (.onnx), job file (.json) or a run's "
         "folder (its model.twbm)")
      ->required();
  addInputShapeOption(*cmd, args.inputShapes);
  cmd->add_option("--precision", args.precision,
                  "fp32, bf16 or int8 (inference; a model without a quantization plan is "
                  "calibrated on 64 random samples first), or all: each of them, side by side "
                  "(default: a job file's, else fp32)")
      ->check(CLI::IsMember({"fp32", "bf16", "int8", "all"}));
  cmd->add_option("--mode", args.mode,
                  "train, infer, or data: the data loader alone on --dataset, as the model's input")
      ->check(CLI::IsMember({"train", "infer", "data"}));
  cmd->add_option("--dataset", args.dataset, "Dataset spec for --mode data (docs/job-file.md)");
  cmd->add_option("--batch", args.batch,
                  "Batch (default: a job file's, a rank's of a data-parallel one; else 128)")
      ->check(countAtLeast(1));
  cmd->add_option("--steps", args.steps, "Timed steps")->check(countAtLeast(1));
  cmd->add_option("--warmup", args.warmup, "Untimed steps first")->check(countAtLeast(0));
  cmd->add_option("--threads", args.threads,
                  "Compute threads (0: every core; default: a job file's, else 0)")
      ->check(countAtLeast(0));
  addWinogradOption(*cmd, args.winograd, "a job file's allow_winograd, else --winograd");
  cmd->add_option("--freeze", args.freeze,
                  "Train with these layers held still (names or patterns, as a job's \"freeze\"; "
                  "default: a job file's); repeat for several");
  cmd->add_flag("--json", args.json, "Print one JSON object");
  cmd->add_flag("--profile", args.profile, "Also time every layer of one more step");
  cmd->add_option("--trace", args.trace, "Write the profiled step as a Chrome trace (JSON)");
  cmd->callback([&exitCode, cmd] {
    if (args.mode == "data")
      for (const char* option : {"--precision", "--profile", "--trace"})
        if (cmd->count(option))
          throw Error(std::string(option) +
                      " is about the model's steps, which --mode data does not run: it times "
                      "the data loader alone");
    if (!args.trace.empty()) checkFileCanBeWritten(args.trace);  // before the work, not after
    const InputShapes inputShapes = parseInputShapeOptions(args.inputShapes);
    // Of a job file, the step the job trains: its batch (a rank's), threads and precision, unless
    // the command line says otherwise.
    std::optional<JobConfig> job;
    if (std::filesystem::path(args.model).extension() == ".json") {
      if (!inputShapes.empty()) throw inputShapesGivenToAJob(args.model);
      job = JobConfig::load(args.model);
      if (!cmd->count("--batch"))
        args.batch = job->parallel.rankBatch(job->batch, job->parallel.ranks());
      if (!cmd->count("--threads")) args.threads = job->threads;
      if (!cmd->count("--precision")) args.precision = job->precision;
      if (!cmd->count("--winograd")) args.winograd = job->allowWinograd;
      if (!cmd->count("--freeze") && args.mode == "train") args.freeze = job->frozen;
    }
    if (!args.freeze.empty() && args.mode != "train")
      throw Error("--freeze holds layers still in training: it goes with --mode train");
    if (args.threads > 0) omp_set_num_threads(args.threads);
    ModelFile file = job ? modelOfJob(*job) : loadModelArgument(args.model, inputShapes);
    if (args.mode == "data" || !args.dataset.empty()) {
      if (args.mode != "data" || args.dataset.empty())
        throw Error("--mode data and --dataset SPEC go together");
      nlohmann::json out = benchmarkData(args.dataset, file.spec.soleInputShape(), args.batch,
                                         args.warmup, args.steps);
      out["peak_rss_mib"] = peakResidentMiB();
      if (args.json)
        std::printf("%s\n", out.dump().c_str());
      else
        std::printf("%s, batch %lld: %.0f samples/s, %.3f ms a batch; peak memory %.0f MiB\n",
                    args.dataset.c_str(), static_cast<long long>(args.batch),
                    out["samples_per_s"].get<double>(), out["batch_ms"].get<double>(),
                    out["peak_rss_mib"].get<double>());
      exitCode = kExitOk;
      return;
    }
    const bool profile = args.profile || !args.trace.empty();
    if (args.precision == "all") {
      if (profile)
        throw Error("--profile and --trace time one precision: name it with --precision");
      benchEveryPrecision(file, args);
      exitCode = kExitOk;
      return;
    }
    if (args.precision == "int8" && args.mode == "train")
      throw Error("int8 is for inference: use --mode infer");
    const PrecisionBench bench = benchPrecision(std::move(file), args.precision, args, profile);
    const StepBenchmarkResult& r = bench.result;
    if (!args.trace.empty()) {
      ChromeTrace trace;
      r.profiles.front().appendTo(trace);
      trace.write(args.trace);
    }
    nlohmann::json out = bench.summary;
    out["peak_rss_mib"] = peakResidentMiB();
    if (args.json) {
      if (profile) out["profile"] = r.profiles.front().toJson();
      std::printf("%s\n", out.dump().c_str());
    } else {
      const double peak = out["peak_gflops"].get<double>();
      std::printf("%s %s %s, batch %lld, %s%s\n", out["model"].get<std::string>().c_str(),
                  args.precision.c_str(), args.mode.c_str(), static_cast<long long>(args.batch),
                  threadsText().c_str(), args.winograd ? "" : ", convolutions summed directly");
      std::printf("  %.0f samples/s, step %.3f ms (p50) %.3f ms (p90)\n", r.samplesPerSecond(),
                  r.percentileMs(50), r.percentileMs(90));
      const double mfu = 100 * r.gflops() / peak;
      std::printf("  %.1f GFLOP/s of %.1f oneDNN %s matmul peak: MFU %.1f %%\n", r.gflops(), peak,
                  args.precision.c_str(), mfu);
      // FLOPs are the model's (each convolution counted as a direct one), as MFU is usually
      // defined; a layer computed by Winograd does fewer multiplications than that.
      if (mfu > 100)
        std::printf(
            "  (over 100 %%: FLOPs are counted as direct convolutions; Winograd layers "
            "multiply less)\n");
      std::printf("  peak memory %.0f MiB\n", out["peak_rss_mib"].get<double>());
      if (profile) std::printf("%s", r.profiles.front().table().c_str());
    }
    exitCode = kExitOk;
  });
}

}  // namespace twb
