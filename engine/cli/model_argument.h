#pragma once

#include <string>

#include "exec/precision_policy.h"
#include "io/model_file.h"
#include "train/job_config.h"

namespace twb {

// MODEL on the command line: a model file (.twbm, with its weights), an ONNX model (.onnx,
// imported), a job file (.json: its model, with the job's initial weights) or a template name
// (freshly initialised weights).
ModelFile loadModelArgument(const std::string& model);
// A model file or ONNX model on the command line, what reading it changed said on standard error
// (an ONNX file's fixed batch read as a free one).
ModelFile loadModelFileArgument(const std::string& path);
// A job's model, with the job's initial weights (or its model file's).
ModelFile modelOfJob(const JobConfig& job);

// The model as inference runs it in `precision`: its inference form (BatchNorm folded, ReLU, ReLU6
// and GELU fused, Dropout dropped). An int8 model made by `quantize` already is one; an imported
// QDQ model becomes one here, its plan kept (nodes keep their names). Throws, naming `path`, for
// int8 of a model without int8 scales.
ModelFile inferenceForm(ModelFile model, Precision precision, const std::string& path);

}  // namespace twb
