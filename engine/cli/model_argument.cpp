#include "cli/model_argument.h"

#include <cstdio>
#include <filesystem>

#include "cli/run_folder.h"
#include "core/error.h"
#include "graph/graph.h"
#include "graph/templates.h"
#include "io/edited_model.h"
#include "io/input_shapes.h"
#include "quant/inference_rewrite.h"
#include "train/job_config.h"

namespace twb {

ModelFile modelOfJob(const JobConfig& job) {
  ModelFile file;
  if (job.modelFileRead) {
    file = *job.modelFileRead;
    file.params = file.params.clone();
  } else {
    file.spec = job.model;
    file.params.ensure(Graph::build(file.spec, 1), job.seed);
  }
  file.dataset.train = absoluteDataset(job.trainData);
  file.dataset.test = absoluteDataset(job.testData);
  return file;
}

std::string recordedDataset(const ModelFile& model, const std::string& modelArgument,
                            const std::string& option, bool test) {
  if (model.dataset.train.empty())
    throw Error(option + " is required: " + modelArgument +
                " does not record the data it was trained on");
  const bool ownTest = test && !model.dataset.test.empty();
  const std::string& dataset = ownTest ? model.dataset.test : model.dataset.train;
  std::fprintf(stderr, "note: %s %s, the data %s was %s\n", option.c_str(), dataset.c_str(),
               modelArgument.c_str(), ownTest ? "evaluated on" : "trained on");
  return dataset;
}

void addInputShapeOption(CLI::App& cmd, std::vector<std::string>& given) {
  cmd.add_option("--input-shape", given,
                 "NAME=D1xD2...: an input's dimensions after the batch, where an ONNX model file "
                 "leaves them free (a text model's sequence length); repeat for several inputs");
}

void addWinogradOption(CLI::App& cmd, bool& allowed, const std::string& defaultText) {
  cmd.add_flag("--winograd,!--no-winograd", allowed,
               "fp32 3x3 convolutions by Winograd where it pays (rounding about 1e-5 of a "
               "layer's largest output), or every one summed directly, as PyTorch does on a "
               "CPU (default: " +
                   defaultText + ")");
}

InputShapes parseInputShapeOptions(const std::vector<std::string>& given) {
  InputShapes shapes;
  for (const std::string& option : given) {
    std::pair<std::string, Shape> parsed;
    try {
      parsed = parseInputShape(option);
    } catch (const Error& e) {
      throw Error("--input-shape " + std::string(e.what()));
    }
    if (shapes.count(parsed.first))
      throw Error("--input-shape: input '" + parsed.first + "' is given twice");
    shapes.insert(std::move(parsed));
  }
  return shapes;
}

Error inputShapesGivenToAJob(const std::string& job) {
  return Error(job +
               ": --input-shape is for an ONNX model file; a job gives the sizes its model "
               "file leaves free in its model's \"input_shape\"");
}

ModelFile loadModelFileArgument(const std::string& given, const InputShapes& inputShapes) {
  std::error_code ignored;
  const std::string path =
      std::filesystem::is_directory(given, ignored) ? modelFileOfRun(given) : given;
  ModelFile file = loadModelOrOnnx(path, inputShapes);
  // On standard error: standard output may be the command's result (--json).
  for (const std::string& note : file.notes)
    std::fprintf(stderr, "note: %s: %s\n", path.c_str(), note.c_str());
  return file;
}

ModelFile loadModelArgument(const std::string& model, const InputShapes& inputShapes) {
  const auto extension = std::filesystem::path(model).extension();
  if (extension == ".json") {
    if (!inputShapes.empty()) throw inputShapesGivenToAJob(model);
    return modelOfJob(JobConfig::load(model));
  }
  // Any other file is a model file or an ONNX model; loading says what else it is (a
  // checkpoint, say). A folder is a run's, its model.twbm read.
  std::error_code ignored;
  if (extension == ".twbm" || extension == ".onnx" || std::filesystem::exists(model, ignored))
    return loadModelFileArgument(model, inputShapes);
  if (!extension.empty() || model.find('/') != std::string::npos)
    throw Error(model +
                ": no such file (MODEL is a model file, an ONNX model, a job file, a run's "
                "folder or a template name)");
  if (!inputShapes.empty())
    throw Error(model + ": --input-shape is for an ONNX model file; a template's sizes are fixed");
  ModelFile file;
  file.spec = makeTemplate(model, nlohmann::json::object());
  file.params.ensure(Graph::build(file.spec, 1), 0);
  return file;
}

ModelFile inferenceForm(ModelFile model, Precision precision, const std::string& path) {
  if (precision == Precision::int8 && !model.quant)
    throw Error(path + ": an fp32 model has no int8 scales; make an int8 model with twb-engine "
                "quantize");
  InferenceModel inference = rewriteForInference(model.spec, model.params);
  return {std::move(inference.spec), std::move(inference.params), std::move(model.quant),
          std::move(model.dataset), std::move(model.notes)};
}

}  // namespace twb
