#pragma once

#include <string>

#include "io/model_file.h"

namespace twb {

// MODEL on the command line: a model file (.twbm, with its weights), a job file (.json: its
// model, with the job's initial weights) or a template name (freshly initialised weights).
ModelFile loadModelArgument(const std::string& model);

}  // namespace twb
