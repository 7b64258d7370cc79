#include "cli/commands.h"
#include "cli/interrupt.h"
#include "rpc/job_task.h"

namespace twb {

void addWorkerCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand(
      "worker", "Run one job of the node service in its folder (started by twb-engine serve)");
  static std::string folder;
  cmd->add_option("FOLDER", folder, "The job's folder (task.json, events.jsonl, out/)")
      ->required()
      ->check(CLI::ExistingDirectory);
  cmd->callback([&exitCode] {
    // SIGTERM (CancelJob) stops training at the next step with a checkpoint.
    runJobTask(JobFolder{folder}, installInterruptHandler());
    exitCode = kExitOk;
  });
}

}  // namespace twb
