#pragma once

#include <CLI/CLI.hpp>
#include <string>

#include "train/job_config.h"

namespace twb {

// The JOB argument of train and compare-precisions, with the --epochs and --max-steps that
// override the file's values.
struct JobArgument {
  std::string path;
  int64_t epochs = -1, maxSteps = -1;  // -1: as the job file says
  std::string pathsFrom;               // where relative paths resolve; empty: the job file's folder

  void addTo(CLI::App* command);
  JobConfig load() const;  // the job file with the overrides applied and checked
};

}  // namespace twb
