#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "backend/cpu/cpu_kernel.h"
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/job_argument.h"
#include "cli/progress_bar.h"
#include "cli/run_folder.h"
#include "core/error.h"
#include "io/model_file.h"
#include "train/class_scores.h"
#include "train/job_plan.h"
#include "train/quantizer.h"
#include "train/trainer.h"

namespace twb {

namespace {
struct PrecisionRun {
  std::string precision;
  TrainResult result;
  double samplesPerSecond = 0;  // median over the run's step events
  nlohmann::json perClass;      // of the last evaluation
};

PrecisionRun trainIn(JobConfig job, const std::string& precision, const std::string& outDir,
                     const std::atomic<bool>* stop, EventLog& events, ProgressBar& progress) {
  job.precision = precision;
  std::vector<double> throughput;
  nlohmann::json perClass;
  EventLog runEvents;
  runEvents.addListener([&](const nlohmann::json& e) {
    nlohmann::json tagged = e;
    tagged.erase("seq");
    tagged.erase("time");
    tagged.erase("type");
    tagged["precision"] = precision;
    events.publish(e["type"], tagged);  // one numbered stream for both runs
    progress.onEvent(e);
    if (e["type"] == "step") throughput.push_back(e["samples_per_s"]);
    if (e["type"] == "eval") perClass = e["per_class"];
  });
  std::fprintf(stderr, "training %s in %s\n", job.name.c_str(), precision.c_str());
  PrecisionRun run{
      precision, train(job, {outDir + "/" + precision, "", stop, ""}, runEvents), 0, {}};
  progress.finish();
  run.perClass = perClass;
  if (!throughput.empty()) {
    std::nth_element(throughput.begin(), throughput.begin() + throughput.size() / 2,
                     throughput.end());
    run.samplesPerSecond = throughput[throughput.size() / 2];
  }
  return run;
}

nlohmann::json runJson(const PrecisionRun& run) {
  return {{"accuracy", run.result.testAccuracy},
          {"loss", run.result.testLoss},
          {"samples_per_s", run.samplesPerSecond},
          {"model", run.result.modelPath}};
}

// bf16 against fp32 in `report`: both runs, their differences, and class by class.
void addBf16(nlohmann::json& report, const PrecisionRun& fp32, const PrecisionRun& bf16) {
  report["bf16"] = runJson(bf16);
  report["accuracy_difference_points"] =
      100 * (bf16.result.testAccuracy - fp32.result.testAccuracy);
  report["loss_difference"] = bf16.result.testLoss - fp32.result.testLoss;
  report["speedup"] = fp32.samplesPerSecond > 0 ? bf16.samplesPerSecond / fp32.samplesPerSecond : 0;
  addClassChanges(report, fp32.perClass, bf16.perClass, "bf16");
}

// The "hardest-hit class" row of a table of fp32 against `precision`, when `report` names one
// (where no class fell it names the one that rose least: then the row says none is hit).
void printHardestHit(const nlohmann::json& report, const char* precision) {
  const auto hardest = report.find("hardest_hit_class");
  if (hardest == report.end()) return;
  if ((*hardest)["points"].get<double>() >= 0)
    std::printf("  %-16s none: no class loses accuracy in %s\n", "hardest-hit class", precision);
  else
    std::printf("  %-16s %12.4f %12.4f %+13.2f pt  (%s)\n", "hardest-hit class",
                (*hardest)["fp32"].get<double>(), (*hardest)[precision].get<double>(),
                (*hardest)["points"].get<double>(), (*hardest)["name"].get<std::string>().c_str());
}

// The training runs: fp32 against bf16, or fp32 alone where bf16 could not run.
void printTraining(const nlohmann::json& r) {
  const auto& f = r["fp32"];
  if (!r.contains("bf16")) {
    std::printf("%s after %lld steps in fp32 (no bf16 on this CPU)\n",
                r["job"].get<std::string>().c_str(),
                static_cast<long long>(r["steps"].get<int64_t>()));
    std::printf("  %-16s %12s\n", "", "fp32");
    std::printf("  %-16s %12.4f\n", "test accuracy", f["accuracy"].get<double>());
    std::printf("  %-16s %12.4f\n", "test loss", f["loss"].get<double>());
    std::printf("  %-16s %12.0f\n", "samples/s", f["samples_per_s"].get<double>());
    return;
  }
  const auto& b = r["bf16"];
  std::printf("%s after %lld steps, same initial weights and data order\n",
              r["job"].get<std::string>().c_str(),
              static_cast<long long>(r["steps"].get<int64_t>()));
  std::printf("  %-16s %12s %12s %14s\n", "", "fp32", "bf16", "bf16 - fp32");
  std::printf("  %-16s %12.4f %12.4f %+13.2f pt\n", "test accuracy", f["accuracy"].get<double>(),
              b["accuracy"].get<double>(), r["accuracy_difference_points"].get<double>());
  std::printf("  %-16s %12.4f %12.4f %+14.4f\n", "test loss", f["loss"].get<double>(),
              b["loss"].get<double>(), r["loss_difference"].get<double>());
  std::printf("  %-16s %12.0f %12.0f %13.2fx\n", "samples/s", f["samples_per_s"].get<double>(),
              b["samples_per_s"].get<double>(), r["speedup"].get<double>());
  printHardestHit(r, "bf16");
}

// The int8 model against the fp32 one it was made from: both evaluated, and both run for
// inference at batch 64 (training throughput does not apply to int8).
void printInt8(const nlohmann::json& q) {
  const auto& f = q["fp32"];
  const auto& i = q["int8"];
  std::printf("\nint8 from the fp32 model (%lld of %zu layers in int8)\n",
              static_cast<long long>(q["int8_layers"].get<int64_t>()), q["layers"].size());
  std::printf("  %-16s %12s %12s %14s\n", "", "fp32", "int8", "int8 - fp32");
  std::printf("  %-16s %12.4f %12.4f %+13.2f pt\n", "test accuracy", f["accuracy"].get<double>(),
              i["accuracy"].get<double>(), -q["accuracy_drop_points"].get<double>());
  if (i.contains("samples_per_s_b64"))
    std::printf("  %-16s %12.0f %12.0f %13.2fx\n", "infer samples/s",
                f["samples_per_s_b64"].get<double>(), i["samples_per_s_b64"].get<double>(),
                i["samples_per_s_b64"].get<double>() / f["samples_per_s_b64"].get<double>());
  std::printf("  %-16s %12lld %12lld %13.2fx\n", "bytes",
              static_cast<long long>(f["bytes"].get<int64_t>()),
              static_cast<long long>(i["bytes"].get<int64_t>()), 1 / q["size_ratio"].get<double>());
  printHardestHit(q, "int8");
}
}  // namespace

void addCompareCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand(
      "compare-precisions",
      "Train a job in fp32 and in bf16 from the same initial weights and data order, and compare");
  struct Args {
    JobArgument job;
    std::string out, events;
    bool json = false, int8 = false;
  };
  static Args args;
  args.job.addTo(cmd);
  cmd->add_option("-o,--out", args.out,
                  "Folder for the fp32/, bf16/ (and int8/) runs (default runs/NAME-TIME)");
  cmd->add_option("--events", args.events, "Append both runs' events, tagged with their precision");
  cmd->add_flag("--json", args.json, "Print the comparison as one JSON object");
  cmd->add_flag("--int8", args.int8,
                "Then quantize the fp32 model to int8 (512 training samples calibrate it) and "
                "compare that too, as the workbench's Compare precisions does");
  cmd->callback([&exitCode] {
    const JobConfig job = args.job.load();
    // Both runs train in this process; a data-parallel job here would train one rank's share
    // of every step, another job than the one asked for.
    if (job.parallel.ranks() > 1)
      throw Error(
          "parallel: compare-precisions trains the job in this one process, and this job "
          "runs on " +
          std::to_string(job.parallel.ranks()) +
          " ranks; compare it from the workbench (Compare precisions), or train it twice "
          "with `train --ranks N --precision fp32` and `--precision bf16`");
    // Said before fp32 trains, not after. Without bf16, --int8 still compares fp32 with int8.
    const std::string& noBf16 = bf16Unavailable();
    if (!noBf16.empty() && !args.int8)
      throw Error("compare-precisions needs bf16, which is not available on this CPU: " + noBf16 +
                  " (with --int8 it compares fp32 with int8 here)");
    for (const char* precision : {"fp32", "bf16"})
      if (const std::string held = args.out.empty() ? "" : runHeldIn(args.out + "/" + precision);
          !held.empty())
        throw Error("--out " + args.out + ": its " + precision + "/ already holds a run (" + held +
                    ") that this comparison would overwrite; choose another folder, or leave out "
                    "--out for a new one");
    const std::string out = args.out.empty() ? newRunFolder(job.name + "-compare") : args.out;
    const EmptyRunFolderRemover leftEmpty(args.out.empty() ? out : "");
    EventLog events;
    if (!args.events.empty()) events.open(args.events);
    ProgressBar progress(isatty(STDERR_FILENO));
    const auto* stop = installInterruptHandler();
    const PrecisionRun fp32 = trainIn(job, "fp32", out, stop, events, progress);
    if (fp32.result.status == TrainStatus::cancelled) {
      exitCode = kExitInterrupted;
      return;
    }
    nlohmann::json report = {
        {"job", job.name}, {"steps", fp32.result.steps}, {"fp32", runJson(fp32)}};
    if (const auto names = fp32.perClass.value("names", nlohmann::json::array()); !names.empty())
      report["classes"] = names;
    if (noBf16.empty()) {
      const PrecisionRun bf16 = trainIn(job, "bf16", out, stop, events, progress);
      if (bf16.result.status == TrainStatus::cancelled) {
        exitCode = kExitInterrupted;
        return;
      }
      addBf16(report, fp32, bf16);
    } else {
      std::fprintf(stderr, "no bf16 on this CPU (%s): fp32 and int8 alone\n", noBf16.c_str());
      report["bf16_unavailable"] = noBf16;
    }
    if (args.int8) {
      std::fprintf(stderr, "quantizing the fp32 model to int8\n");
      const JobPlan plan = planJob(job);
      std::filesystem::create_directories(out + "/int8");
      StageProgress stages(isatty(STDERR_FILENO));
      // The quantize report (docs/quantization.md), its fp32 side from the same evaluation.
      try {
        report["int8"] =
            quantizeModel(loadModel(fp32.result.modelPath), plan.data.train, plan.data.test,
                          plan.normalization, QuantizeOptions{}, out + "/int8/model.twbm",
                          [&](const std::string& stage, double fraction) {
                            stages.update(stage, fraction);
                            return !stop->load();
                          });
      } catch (const Error&) {
        if (!stop->load()) throw;
        exitCode = kExitInterrupted;  // Ctrl-C: the trained runs stay
        return;
      }
      stages.finish();
      report["int8"]["model"] = out + "/int8/model.twbm";
    }
    if (args.json) {
      std::printf("%s\n", report.dump(2).c_str());
    } else {
      printTraining(report);
      if (args.int8) printInt8(report["int8"]);
    }
    exitCode = kExitOk;
  });
}

}  // namespace twb
