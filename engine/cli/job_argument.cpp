#include "cli/job_argument.h"

#include "cli/option_checks.h"
#include "core/error.h"

namespace twb {

void JobArgument::addTo(CLI::App* command) {
  command->add_option("JOB", path, "Job file (docs/job-file.md)")->required();
  command->add_option("--epochs", epochs, "Override the job's epochs")->check(countAtLeast(0));
  command->add_option("--max-steps", maxSteps, "Override the job's max_steps")
      ->check(countAtLeast(0));
  // Set by the node service for a copy of a job file read elsewhere.
  command->add_option("--paths-from", pathsFrom)->group("");
}

JobConfig JobArgument::load() const {
  JobConfig job = JobConfig::load(path, pathsFrom);
  if (epochs >= 0) job.epochs = epochs;
  if (maxSteps >= 0) job.maxSteps = maxSteps;
  if (job.epochs == 0 && job.maxSteps == 0) throw Error("--epochs 0 needs --max-steps above 0");
  return job;
}

}  // namespace twb
