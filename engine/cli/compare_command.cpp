#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "backend/cpu/cpu_kernel.h"
#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/job_argument.h"
#include "cli/progress_bar.h"
#include "cli/run_folder.h"
#include "core/error.h"
#include "train/class_scores.h"
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
}  // namespace

void addCompareCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand(
      "compare-precisions",
      "Train a job in fp32 and in bf16 from the same initial weights and data order, and compare");
  struct Args {
    JobArgument job;
    std::string out, events;
    bool json = false;
  };
  static Args args;
  args.job.addTo(cmd);
  cmd->add_option("--out", args.out, "Folder for the fp32/ and bf16/ runs (default runs/NAME-TIME)");
  cmd->add_option("--events", args.events, "Append both runs' events, tagged with their precision");
  cmd->add_flag("--json", args.json, "Print the comparison as one JSON object");
  cmd->callback([&exitCode] {
    const JobConfig job = args.job.load();
    // Said before fp32 trains, not after.
    if (!bf16Unavailable().empty())
      throw Error("compare-precisions needs bf16, which is not available on this CPU: " + bf16Unavailable());
    const std::string out = args.out.empty() ? defaultRunFolder(job.name + "-compare") : args.out;
    EventLog events;
    if (!args.events.empty()) events.open(args.events);
    ProgressBar progress(isatty(STDERR_FILENO));
    const auto* stop = installInterruptHandler();
    const PrecisionRun fp32 = trainIn(job, "fp32", out, stop, events, progress);
    if (fp32.result.status == TrainStatus::cancelled) {
      exitCode = kExitInterrupted;
      return;
    }
    const PrecisionRun bf16 = trainIn(job, "bf16", out, stop, events, progress);
    if (bf16.result.status == TrainStatus::cancelled) {
      exitCode = kExitInterrupted;
      return;
    }
    const double speedup = fp32.samplesPerSecond > 0 ? bf16.samplesPerSecond / fp32.samplesPerSecond : 0;
    // What bf16 changes class by class, and the class it costs most.
    const ClassChanges classes = classChanges(fp32.perClass, bf16.perClass);
    const nlohmann::json names = fp32.perClass.value("names", nlohmann::json::array());
    nlohmann::json report = {
        {"job", job.name},
        {"steps", fp32.result.steps},
        {"fp32",
         {{"accuracy", fp32.result.testAccuracy},
          {"loss", fp32.result.testLoss},
          {"samples_per_s", fp32.samplesPerSecond},
          {"model", fp32.result.modelPath}}},
        {"bf16",
         {{"accuracy", bf16.result.testAccuracy},
          {"loss", bf16.result.testLoss},
          {"samples_per_s", bf16.samplesPerSecond},
          {"model", bf16.result.modelPath}}},
        {"accuracy_difference_points", 100 * (bf16.result.testAccuracy - fp32.result.testAccuracy)},
        {"loss_difference", bf16.result.testLoss - fp32.result.testLoss},
        {"speedup", speedup},
        {"class_difference_points", classes.points}};
    if (!names.empty()) report["classes"] = names;
    if (args.json) {
      std::printf("%s\n", report.dump(2).c_str());
    } else {
      std::printf("%s after %lld steps, same initial weights and data order\n", job.name.c_str(),
                  static_cast<long long>(fp32.result.steps));
      std::printf("  %-16s %12s %12s %14s\n", "", "fp32", "bf16", "bf16 - fp32");
      std::printf("  %-16s %12.4f %12.4f %+13.2f pt\n", "test accuracy", fp32.result.testAccuracy,
                  bf16.result.testAccuracy,
                  100 * (bf16.result.testAccuracy - fp32.result.testAccuracy));
      std::printf("  %-16s %12.4f %12.4f %+14.4f\n", "test loss", fp32.result.testLoss,
                  bf16.result.testLoss, bf16.result.testLoss - fp32.result.testLoss);
      std::printf("  %-16s %12.0f %12.0f %13.2fx\n", "samples/s", fp32.samplesPerSecond,
                  bf16.samplesPerSecond, speedup);
      if (!classes.points.empty())
        std::printf("  %-16s %12.4f %12.4f %+13.2f pt  (%s)\n", "hardest-hit class", classes.before,
                    classes.after, classes.points[classes.hardest], classes.hardestName.c_str());
    }
    exitCode = kExitOk;
  });
}

}  // namespace twb
