#include "cli/model_argument.h"

#include <filesystem>

#include "core/error.h"
#include "graph/graph.h"
#include "graph/templates.h"
#include "quant/inference_rewrite.h"
#include "train/job_config.h"

namespace twb {

ModelFile loadModelArgument(const std::string& model) {
  const auto extension = std::filesystem::path(model).extension();
  if (extension == ".twbm") return loadModel(model);
  ModelFile file;
  uint64_t seed = 0;
  if (extension == ".json") {
    const JobConfig job = JobConfig::load(model);
    if (!job.modelFile.empty()) return loadModel(job.modelFile);
    file.spec = job.model;
    seed = job.seed;
  } else {
    file.spec = makeTemplate(model, nlohmann::json::object());
  }
  file.params.ensure(Graph::build(file.spec, 1), seed);
  return file;
}

ModelFile inferenceForm(ModelFile model, Precision precision, const std::string& path) {
  if (precision == Precision::int8 && !model.quant)
    throw Error(path + ": an fp32 model has no int8 scales; make an int8 model with twb-engine "
                "quantize");
  InferenceModel inference = rewriteForInference(model.spec, model.params);
  return {std::move(inference.spec), std::move(inference.params), std::move(model.quant),
          std::move(model.dataset)};
}

}  // namespace twb
