#include "train/job_plan.h"

#include "core/error.h"
#include "data/data_loader.h"
#include "exec/activation_budget.h"
#include "train/evaluator.h"

namespace twb {

namespace {
JobPlan planFromFields(const JobConfig& job, const DatasetOpener& open) {
  JobPlan plan;
  // The job file names its data under "dataset" (train, and test when given): errors say so.
  try {
    plan.data = open(job.trainData, job.model.soleInputShape());
    if (!job.testData.empty()) plan.data.test = open(job.testData, job.model.soleInputShape()).test;
  } catch (const Error& e) {
    throw e.within("dataset");
  }
  plan.normalization = job.normalization.value_or(plan.data.train->defaultNormalization());
  if (job.normalization) {
    try {
      checkNormalizationFits(*job.normalization, *plan.data.train);
    } catch (const Error& e) {
      throw e.within("dataset.normalize");
    }
  }
  const Dataset& train = *plan.data.train;

  const ModelSpec& model = job.model;
  if (model.inputs.size() != 1)
    throw Error("model: training needs exactly one input, the model has " +
                std::to_string(model.inputs.size()));
  if (model.inputs[0].shape != train.sampleShape())
    throw Error("model: input '" + model.inputs[0].name + "' has shape " +
                toString(model.inputs[0].shape) + " but " + train.name() + " has samples of " +
                toString(train.sampleShape()));
  const Graph probe = Graph::build(model, 1);
  const Shape outputShape = probe.values()[probe.outputs()[0]].shape;
  plan.output = probe.values()[probe.outputs()[0]].name;
  plan.classes = outputShape.back();
  if (outputShape.size() != 2 || plan.classes < train.classes())
    throw Error("model: output '" + plan.output + "' is " + toString(outputShape) +
                " per batch, but " + train.name() + " has " + std::to_string(train.classes()) +
                " classes");
  // Full batches only, as the DataLoader of training draws them; a step of data-parallel ranks
  // takes one batch per rank: the job's, or its share of it (parallel.global_batch).
  const int64_t ranks = job.parallel.ranks();
  if (job.parallel.globalBatch && job.batch % ranks != 0) {
    const int64_t below = job.batch / ranks * ranks;
    throw Error("parallel.global_batch: batch " + std::to_string(job.batch) +
                " does not split evenly among " + std::to_string(ranks) + " ranks (" +
                (below > 0 ? std::to_string(below) + " or " : "") + std::to_string(below + ranks) +
                " would)");
  }
  plan.batch = job.parallel.rankBatch(job.batch, ranks);
  plan.graph = Graph::build(withLoss(model, job.loss, outputShape), plan.batch);
  plan.stepsPerEpoch = train.size() / (plan.batch * ranks);
  if (plan.stepsPerEpoch == 0)
    throw Error("batch: " + std::to_string(job.batch) +
                (ranks > 1 && !job.parallel.globalBatch
                     ? " per rank times " + std::to_string(ranks) + " ranks"
                     : "") +
                " is larger than the " + std::to_string(train.size()) + " samples of " +
                train.name());
  plan.totalSteps = job.epochs * plan.stepsPerEpoch;
  if (job.maxSteps > 0)
    plan.totalSteps = job.epochs > 0 ? std::min(plan.totalSteps, job.maxSteps) : job.maxSteps;
  return plan;
}
}  // namespace

JobPlan planJob(const JobConfig& job, const DatasetOpener& open) {
  try {
    return planFromFields(job, open);
  } catch (const Error& e) {
    throw job.aboutField(e);
  }
}

int64_t estimateTrainingMemory(const JobPlan& plan, const JobConfig& job) {
  const std::string& optimizer = job.optimizer.type;
  const int64_t stateCopies = optimizer == "sgd" ? (job.optimizer.momentum != 0 ? 1 : 0) : 2;
  const int64_t parameters = plan.graph.parameterCount();
  int64_t activations = 0;
  for (const GraphValue& value : plan.graph.values()) activations += numel(value.shape);
  const int64_t bytesPerValue = 4;
  // The evaluation's executors, made with the training's.
  int64_t evalSamples = 0;
  for (const int64_t batch :
       evaluationBatches(job.model, plan.data.test ? plan.data.test->size() : 0, job.evalBatch))
    evalSamples += batch;
  return bytesPerValue * (parameters * (2 + stateCopies) + 2 * activations) +
         evalSamples * valueBytesPerSample(job.model);
}

}  // namespace twb
