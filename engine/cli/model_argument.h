#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/shape.h"
#include "exec/precision_policy.h"
#include "io/model_file.h"
#include "train/job_config.h"

namespace twb {

// The sizes after the batch that an ONNX model file leaves free (a text model's sequence
// length), by input, as --input-shape NAME=D1xD2... gives them to every command that reads a
// model file.
using InputShapes = std::map<std::string, Shape>;
void addInputShapeOption(CLI::App& cmd, std::vector<std::string>& given);
// --winograd / --no-winograd of a command that runs a model: whether its fp32 3x3 convolutions
// may run by Winograd (ExecOptions::winograd); `defaultText` says what applies without either.
void addWinogradOption(CLI::App& cmd, bool& allowed, const std::string& defaultText);
// Errors name the malformed or repeated --input-shape.
InputShapes parseInputShapeOptions(const std::vector<std::string>& given);

// MODEL on the command line: a model file (.twbm, with its weights), an ONNX model (.onnx,
// imported with `inputShapes`), a job file (.json: its model, with the job's initial weights), a
// run's folder (its model.twbm) or a template name (freshly initialised weights). Shapes given for
// a job or a template are an error: a job gives them in its own model's "input_shape", a template
// has no free sizes.
ModelFile loadModelArgument(const std::string& model, const InputShapes& inputShapes);
// A model file, ONNX model or run's folder (its model.twbm) on the command line, what reading it
// changed said on standard error
// (an ONNX file's fixed batch read as a free one).
ModelFile loadModelFileArgument(const std::string& path, const InputShapes& inputShapes);
// A job's model, with the job's initial weights (or its model file's) and its datasets.
ModelFile modelOfJob(const JobConfig& job);
// The dataset an option stands for when it is not given (eval's --dataset, quantize's --calib):
// the data the model MODEL names was trained on, or with `test` the data it was evaluated on,
// as its file records it; said on standard error. An error naming `option` where none is
// recorded (a model imported, or written before models recorded it).
std::string recordedDataset(const ModelFile& model, const std::string& modelArgument,
                            const std::string& option, bool test);
// The error of --input-shape given with a job file, whose model gives them in "input_shape".
Error inputShapesGivenToAJob(const std::string& job);

// The model as inference runs it in `precision`: its inference form (BatchNorm folded, ReLU, ReLU6
// and GELU fused, Dropout dropped). An int8 model made by `quantize` already is one; an imported
// QDQ model becomes one here, its plan kept (nodes keep their names). Throws, naming `path`, for
// int8 of a model without int8 scales.
ModelFile inferenceForm(ModelFile model, Precision precision, const std::string& path);

}  // namespace twb
