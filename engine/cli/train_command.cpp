#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>

#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/job_argument.h"
#include "cli/option_checks.h"
#include "cli/progress_bar.h"
#include "cli/run_folder.h"
#include "core/cpu_info.h"
#include "core/file_writing.h"
#include "core/memory_need.h"
#include "dist/data_parallel.h"
#include "dist/gloo_communicator.h"
#include "dist/local_ranks.h"
#include "train/checkpoint.h"
#include "train/job_plan.h"
#include "train/trainer.h"

namespace twb {

namespace {
struct Args {
  JobArgument job;
  std::string out, resume, events, precision, trace;
  int ranks = 0;           // --ranks: local data-parallel ranks; 0: the job's
  int rank = -1;           // set by the launcher: this process is one rank
  int threads = 0;         // set by the launcher: the cores it bound this rank to
  std::string rendezvous;  // set by the launcher
};

// Starts the ranks of a local data-parallel job: this same command once per rank, into one run
// folder; rank 0 writes the events, the trace and the files.
int launch(const Args& args, const JobConfig& job, const std::string& outDir,
           const std::atomic<bool>* stop) {
  std::vector<std::string> common{"train", args.job.path, "--out",
                                  outDir,  "--ranks",     std::to_string(job.parallel.ranks())};
  if (args.job.epochs >= 0)
    common.insert(common.end(), {"--epochs", std::to_string(args.job.epochs)});
  if (args.job.maxSteps >= 0)
    common.insert(common.end(), {"--max-steps", std::to_string(args.job.maxSteps)});
  if (!args.resume.empty()) common.insert(common.end(), {"--resume", args.resume});
  if (!args.job.pathsFrom.empty())
    common.insert(common.end(), {"--paths-from", args.job.pathsFrom});
  if (!args.precision.empty()) common.insert(common.end(), {"--precision", args.precision});
  // Every rank profiles the steps a trace asks for (their profiled steps exchange timings); rank 0
  // writes it.
  if (!args.trace.empty()) common.insert(common.end(), {"--trace", args.trace});
  std::vector<std::vector<std::string>> own(static_cast<size_t>(job.parallel.ranks()));
  if (!args.events.empty()) own[0].insert(own[0].end(), {"--events", args.events});
  RankGroup group;
  group.count = static_cast<int>(job.parallel.ranks());
  group.threadsPerRank = job.threads;
  const LocalRanksResult result = launchLocalRanks(group, common, own, stop);
  if (!result.failure.empty())
    std::fprintf(stderr, "error: data-parallel job failed: %s\n", result.failure.c_str());
  return result.exitCode;
}

std::unique_ptr<TrainingStrategy> joinRanks(const Args& args, JobConfig& job, EventLog& events) {
  const char* secret = std::getenv(kSecretVariable);
  if (!secret || !*secret)
    throw Error(std::string("--rank: the job's rendezvous secret is missing (") + kSecretVariable +
                " is not set; ranks are started by `train --ranks N` or a node daemon)");
  GlooOptions o;
  o.rank = args.rank;
  o.size = static_cast<int>(job.parallel.ranks());
  o.rendezvous = RendezvousAddress::parse(args.rendezvous);
  o.secret = secret;
  ::unsetenv(kSecretVariable);
  o.interface = job.parallel.interface;
  o.hierarchical = job.parallel.hierarchical;
  o.ranksPerNode = static_cast<int>(job.parallel.ranksPerNode);
  shareMachineMemory(o.ranksPerNode);
  o.note = [&events](const std::string& message) { events.log("info", message); };
  o.streams = job.parallel.streams > 0 ? static_cast<int>(job.parallel.streams) : 2;
  o.timeout = std::chrono::milliseconds(static_cast<int64_t>(job.parallel.timeoutSeconds * 1e3));
  // Six heartbeats in a silence, as the default's 0.5 s in 3 s.
  o.heartbeatSilence =
      std::chrono::milliseconds(static_cast<int64_t>(job.parallel.heartbeatSeconds * 1e3));
  o.heartbeatPeriod = o.heartbeatSilence / 6;
  // Ranks of one machine share the cores they may use unless the job says otherwise; ranks the
  // launcher bound to cores of their own (--threads) fit them by construction.
  if (args.threads > 0)
    job.threads = args.threads;
  else if (job.threads == 0)
    job.threads = std::max(
        1, static_cast<int>(allowedCores().size()) / static_cast<int>(job.parallel.ranksPerNode));
  else if (const std::string warning = oversubscription(job.threads, job.parallel.ranksPerNode);
           !warning.empty())
    events.log("warning", warning);
  std::unique_ptr<RankCollective> statistics;
  auto comm = connectGloo(o, job.parallel.syncBatchNorm ? &statistics : nullptr);
  return std::make_unique<DataParallelTraining>(std::move(comm), job.parallel, events,
                                                std::move(statistics));
}
}  // namespace

void addTrainCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("train", "Train the model of a job file");
  static Args args;
  args.job.addTo(cmd);
  cmd->add_option("--precision", args.precision, "Override the job's precision")
      ->check(CLI::IsMember({"fp32", "bf16"}));
  cmd->add_option("-o,--out", args.out,
                  "Run folder: checkpoints/ and model.twbm (default runs/NAME-TIME)");
  cmd->add_option("--resume", args.resume, "Resume from a run folder or checkpoint file");
  cmd->add_option("--events", args.events, "Append events as JSON Lines (docs/events.md)");
  cmd->add_option("--trace", args.trace,
                  "Write profiled steps as a Chrome trace (profiles every 50 steps unless the job "
                  "sets profile.every_steps)");
  cmd->add_option("--ranks", args.ranks,
                  "Run the job data parallel on N ranks of this machine, in place of its "
                  "parallel.ranks_per_node (1: one process)")
      ->check(countWithin(1, 64));
  // Set by the launcher for each rank it starts.
  cmd->add_option("--rank", args.rank)->group("");
  cmd->add_option("--rendezvous", args.rendezvous)->group("");
  cmd->add_option("--threads", args.threads)->group("");
  cmd->callback([&exitCode] {
    JobConfig job = args.job.load();
    if (!args.precision.empty()) job.precision = args.precision;
    if (args.ranks > 0) {  // given: it replaces the job's ranks, also with fewer
      if (args.ranks > 1) job.parallel.strategy = "data";
      job.parallel.ranksPerNode = args.ranks;
    }
    TrainOptions options;
    // Checked once, by the process the user started: its ranks write where it says.
    if (!args.out.empty() && args.rank < 0 && !resumesIn(args.out, args.resume))
      if (const std::string held = runHeldIn(args.out); !held.empty())
        throw Error("--out " + args.out + ": already holds a run (" + held +
                    ") that this one would overwrite; choose another folder, leave out --out for "
                    "a new one, or continue that run with --resume " +
                    args.out);
    options.outDir = !args.out.empty()      ? args.out
                     : !args.resume.empty() ? resumedRunFolder(args.resume)
                                            : "";
    const bool madeHere = options.outDir.empty();
    if (madeHere) options.outDir = newRunFolder(job.name);
    const EmptyRunFolderRemover leftEmpty(madeHere ? options.outDir : "");
    options.resumeFrom = args.resume;
    options.tracePath = args.trace;
    options.stop = installInterruptHandler();
    if (job.parallel.ranks() > 1 && args.rank < 0) {
      if (!job.parallel.nodes.empty())
        throw job.aboutField(
            Error("parallel.nodes: a job across nodes runs from the workbench or `twb-engine "
                  "client`; `train --ranks N` runs N ranks on this machine"));
      // What every rank would refuse alike is refused here, once, before any rank starts.
      try {
        checkParallelInterface(job.parallel);
      } catch (const Error& e) {
        throw job.aboutField(e);
      }
      const int64_t rankBatch = planJob(job).batch;  // the data it opened is let go here
      for (const std::string& file : {args.events, args.trace})
        if (!file.empty()) checkFileCanBeWritten(file);
      if (!args.resume.empty()) checkResumePoint(args.resume, rankBatch, job.parallel.ranks());
      job.modelFileRead.reset();  // each rank reads the model file itself
      exitCode = launch(args, job, options.outDir, options.stop);
      return;
    }
    EventLog events;
    if (!args.events.empty()) events.open(args.events);
    ProgressBar progress(isatty(STDERR_FILENO) && args.rank <= 0);
    if (args.rank <= 0) events.addListener([&](const nlohmann::json& e) { progress.onEvent(e); });
    std::unique_ptr<TrainingStrategy> strategy;
    if (args.rank >= 0) strategy = joinRanks(args, job, events);
    options.strategy = strategy.get();
    TrainResult result;
    try {
      result = train(std::move(job), options, events);
    } catch (const Error& e) {
      progress.finish();
      events.publish("state", {{"state", "failed"}, {"reason", e.what()}});
      throw;
    }
    progress.finish();
    if (result.status == TrainStatus::cancelled) {
      if (args.rank > 0) {  // rank 0 says where the run's checkpoint is
        exitCode = kExitInterrupted;
        return;
      }
      std::fprintf(stderr, "interrupted at step %lld; checkpoint %s\n",
                   static_cast<long long>(result.steps), result.checkpointPath.c_str());
      if (!result.modelPath.empty())
        std::fprintf(stderr, "model as trained so far: %s\n", result.modelPath.c_str());
      std::fprintf(stderr, "resume with: twb-engine train %s --resume %s\n", args.job.path.c_str(),
                   options.outDir.c_str());
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
