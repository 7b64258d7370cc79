#include "train/job_plan.h"

#include "backend/cpu/cpu_kernel.h"
#include "core/error.h"
#include "data/data_loader.h"
#include "exec/executor.h"
#include "train/evaluator.h"
#include "train/optimizer.h"

namespace twb {

namespace {
// For a template's model that does not fit the data, how to make it fit: the template takes the
// data's sizes as arguments (docs/model-file.md, "Templates"). Empty for a model file or spec.
std::string templateArgHint(const JobConfig& job, const std::string& arg,
                            const std::string& value) {
  const nlohmann::json& model = job.source.value("model", nlohmann::json::object());
  if (!model.is_object() || !model.contains("template")) return "";
  return " (give the template \"args\": {\"" + arg + "\": " + value + "})";
}

// The graph a rank trains: the model with its loss at `batch`, its frozen layers held still.
Graph trainingGraph(const ModelSpec& trained, int64_t batch, const JobConfig& job) {
  Graph graph = Graph::build(trained, batch);
  graph.freezeNodes(job.frozen);
  return graph;
}

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
                toString(train.sampleShape()) +
                templateArgHint(job, "input", toString(train.sampleShape())));
  const Graph probe = Graph::build(model, 1);
  const Shape outputShape = probe.values()[probe.outputs()[0]].shape;
  plan.output = probe.values()[probe.outputs()[0]].name;
  plan.classes = outputShape.back();
  if (outputShape.size() != 2)
    throw Error("model: output '" + plan.output + "' is " + toString(outputShape) +
                " at batch 1; training needs one score per class of each sample, [batch, classes]");
  if (plan.classes < train.classes())
    throw Error("model: output '" + plan.output + "' gives " + std::to_string(plan.classes) +
                " class scores a sample, but " + train.name() + " has " +
                std::to_string(train.classes()) + " classes" +
                templateArgHint(job, "classes", std::to_string(train.classes())));
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
  plan.trained = withLoss(model, job.loss, outputShape);
  plan.graph = trainingGraph(plan.trained, plan.batch, job);
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

Precision trainingPrecision(const JobConfig& job) {
  return job.precision == "int8" ? Precision::fp32 : parsePrecision(job.precision);
}

DeviceChoice chooseTrainingDevice(const JobConfig& job, const Graph& graph) {
  // Data parallel and frozen layers run on CPUs for now: a job that leaves the device to the node
  // trains there.
  const bool cpuOnly = job.parallel.ranks() > 1 || !job.frozen.empty();
  try {
    return chooseDevice(cpuOnly && job.device.empty() ? "cpu" : job.device, graph);
  } catch (const Error& e) {
    throw job.aboutField(e);
  }
}

int64_t estimateTrainingMemory(const JobPlan& plan, const JobConfig& job,
                               const DeviceChoice& device) {
  ParameterStore noWeights;  // the plans read weights only under int8
  const Precision precision = trainingPrecision(job);
  int64_t bytes = 0;
  const size_t stateCopies = makeOptimizer(job.optimizer)->stateSuffixes().size();
  for (const auto& [name, spec] : plan.graph.parameters())
    bytes += static_cast<int64_t>(sizeof(float)) * numel(spec.shape) *
             (spec.trainable ? 2 + static_cast<int64_t>(stateCopies) : 1);
  if (device.cuda < 0) {
    ExecOptions options{ExecMode::train, false, precision};
    options.winograd = job.allowWinograd;
    bytes += Executor::plannedNeed(trainingGraph(plan.trained, plan.batch, job), noWeights, options)
                 .total();
  }
  // The evaluation runs on the CPU, in fp32 where this CPU has no bf16 (a GPU run's).
  const Precision evaluated =
      precision == Precision::bf16 && !bf16Unavailable().empty() ? Precision::fp32 : precision;
  const Evaluator evaluator(job.model, noWeights, job.loss, evaluated);
  bytes += evaluator.plannedBytes(plan.data.test.get(), job.evalBatch);
  bytes += plan.data.train->heldBytes();
  if (plan.data.test && plan.data.test != plan.data.train) bytes += plan.data.test->heldBytes();
  DataLoaderOptions loading;
  loading.batch = plan.batch;
  loading.workers = job.threads;
  return bytes + static_cast<int64_t>(batchesInFlight(*plan.data.train, loading).total());
}

int64_t largestBatchWithin(const JobConfig& job, const DeviceChoice& device, int64_t availableBytes,
                           const DatasetOpener& open) {
  const int64_t ranks = job.parallel.ranks();
  const auto asJobCounts = [&](int64_t rankBatch) {
    return job.parallel.globalBatch ? rankBatch * ranks : rankBatch;
  };
  const auto fits = [&](int64_t rankBatch) {
    JobConfig smaller = job;
    smaller.batch = asJobCounts(rankBatch);
    return estimateTrainingMemory(planJob(smaller, open), smaller, device) <= availableBytes;
  };
  // The estimate grows with the batch: halve the range between one that fits and one that does not.
  int64_t fitting = 0, over = job.parallel.rankBatch(job.batch, ranks);
  while (over - fitting > 1) {
    const int64_t middle = fitting + (over - fitting) / 2;
    if (fits(middle))
      fitting = middle;
    else
      over = middle;
  }
  return asJobCounts(fitting);
}

}  // namespace twb
