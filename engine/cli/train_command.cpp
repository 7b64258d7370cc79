#include <unistd.h>

#include <cstdio>

#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/job_argument.h"
#include "cli/progress_bar.h"
#include "cli/run_folder.h"
#include "train/trainer.h"

namespace twb {

void addTrainCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("train", "Train the model of a job file");
  struct Args {
    JobArgument job;
    std::string out, resume, events, precision, trace;
  };
  static Args args;
  args.job.addTo(cmd);
  cmd->add_option("--precision", args.precision, "Override the job's precision")
      ->check(CLI::IsMember({"fp32", "bf16"}));
  cmd->add_option("--out", args.out, "Run folder: checkpoints/ and model.twbm (default runs/NAME-TIME)");
  cmd->add_option("--resume", args.resume, "Resume from a run folder or checkpoint file");
  cmd->add_option("--events", args.events, "Append events as JSON Lines (docs/events.md)");
  cmd->add_option("--trace", args.trace,
                  "Write profiled steps as a Chrome trace (profiles every 50 steps unless the job "
                  "sets profile.every_steps)");
  cmd->callback([&exitCode] {
    JobConfig job = args.job.load();
    if (!args.precision.empty()) job.precision = args.precision;
    TrainOptions options;
    options.outDir = !args.out.empty()      ? args.out
                     : !args.resume.empty() ? args.resume
                                            : defaultRunFolder(job.name);
    options.resumeFrom = args.resume;
    options.tracePath = args.trace;
    options.stop = installInterruptHandler();
    EventLog events;
    if (!args.events.empty()) events.open(args.events);
    ProgressBar progress(isatty(STDERR_FILENO));
    events.addListener([&](const nlohmann::json& e) { progress.onEvent(e); });
    TrainResult result;
    try {
      result = train(job, options, events);
    } catch (const Error& e) {
      progress.finish();
      events.publish("state", {{"state", "failed"}, {"reason", e.what()}});
      throw;
    }
    progress.finish();
    if (result.status == TrainStatus::cancelled) {
      std::fprintf(stderr, "interrupted at step %lld; checkpoint %s\nresume with: twb-engine train %s --resume %s\n",
                   static_cast<long long>(result.steps), result.checkpointPath.c_str(),
                   args.job.path.c_str(), options.outDir.c_str());
      exitCode = kExitInterrupted;
      return;
    }
    std::printf("test accuracy: %.4f (loss %.4f) after %lld steps\nmodel: %s\n",
                result.testAccuracy, result.testLoss, static_cast<long long>(result.steps),
                result.modelPath.c_str());
    exitCode = kExitOk;
  });
}

}  // namespace twb
