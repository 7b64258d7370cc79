#include "train/quantizer.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/file_writing.h"
#include "graph/graph.h"
#include "profile/step_benchmark.h"
#include "train/class_scores.h"
#include "train/evaluator.h"

namespace twb {

namespace {

double samplesPerSecond(const InferenceModel& model, const QuantPlan* quant, int64_t batch) {
  StepBenchmarkOptions options;
  options.batch = batch;
  options.train = false;
  options.warmup = batch == 1 ? 20 : 3;
  options.steps = batch == 1 ? 200 : 20;
  options.precision = quant ? Precision::int8 : Precision::fp32;
  options.params = &model.params;
  options.quant = quant;
  return benchmarkSteps(model.spec, options).samplesPerSecond();
}

int64_t fileBytes(const std::string& path) {
  return static_cast<int64_t>(std::filesystem::file_size(path));
}

nlohmann::json layerReport(const GraphNode& node, const Graph& graph, const QuantPlan& plan,
                           const std::map<std::string, double>& sqnr,
                           const std::optional<AccuracyAwareResult>& sensitivity) {
  const LayerQuant& layer = plan.layers.at(node.name);
  const ActivationRange& in = plan.range(graph.values()[node.inputs[0]].name);
  const ActivationRange& out = plan.range(node.name);
  const auto& outputs = graph.outputs();
  const bool modelOutput =
      std::find(outputs.begin(), outputs.end(), node.output) != outputs.end();
  const auto [lo, hi] = std::minmax_element(layer.weightScales.begin(), layer.weightScales.end());
  const double db = sqnr.at(node.name);
  nlohmann::json j = {
      {"name", node.name},
      {"op", node.opName},
      {"precision", layer.int8 ? "int8" : "fp32"},
      {"input_scale", in.scale()},
      {"input_type", dtypeName(in.type())},
      {"output_scale", modelOutput ? nlohmann::json(nullptr) : nlohmann::json(out.scale())},
      {"output_type", dtypeName(modelOutput || !layer.int8 ? DType::f32 : out.type())},
      {"weight_scale_min", *lo},
      {"weight_scale_max", *hi},
      {"sqnr_db", std::isfinite(db) ? nlohmann::json(db) : nlohmann::json(nullptr)}};
  if (sensitivity) j["accuracy_delta_points"] = sensitivity->accuracyDelta.at(node.name);
  return j;
}

}  // namespace

nlohmann::json quantizeModel(const ModelFile& fp32, const std::shared_ptr<const Dataset>& calib,
                             const std::shared_ptr<const Dataset>& eval,
                             const Normalization& normalization, const QuantizeOptions& options,
                             const std::string& outPath,
                             const std::function<bool(const std::string&, double)>& progress) {
  if (options.maxDrop && !(*options.maxDrop >= 0 && *options.maxDrop <= 100))
    throw Error("max drop must be within [0, 100] points (is " + std::to_string(*options.maxDrop) +
                ")");
  if (fp32.quant) throw Error("the model is already quantized; quantize its fp32 original");
  InferenceModel model = rewriteForInference(fp32.spec, fp32.params);
  const std::vector<float> samples =
      calibrationSamples(model, calib, normalization, options.calibration);
  if (eval->sampleShape() != model.spec.inputs.at(0).shape)
    throw Error("evaluation set " + eval->name() + " has samples of shape " +
                toString(eval->sampleShape()) + ", but input '" + model.spec.inputs.at(0).name +
                "' of model '" + model.spec.name + "' takes " +
                toString(model.spec.inputs.at(0).shape));
  QuantPlan plan = calibrate(model, samples, options.calibration, [&](double f) {
    return !progress || progress("calibrating", f);
  });
  if (plan.layers.empty())
    throw Error("model '" + fp32.spec.name + "' has no Conv2d or Linear layer to quantize");
  const std::map<std::string, double> sqnr = layerSqnr(
      model, plan, samples, [&](double f) { return !progress || progress("measuring SQNR", f); });

  ParameterStore params = model.params;
  int evaluations = 0;
  const int expected = options.maxDrop || options.sensitivity
                           ? static_cast<int>(plan.layers.size()) + 2 : 2;
  EvalResult lastFp32, lastInt8;  // for the report's per-class counts
  const AccuracyFunction accuracy = [&](const QuantPlan* quant) {
    const int done = evaluations++;
    Evaluator evaluator(model.spec, params, "SoftmaxCrossEntropy",
                        quant ? Precision::int8 : Precision::fp32, quant);
    EvalResult& result = quant ? lastInt8 : lastFp32;
    result = evaluator.run(eval, options.evalBatch, normalization, [&](double f) {
      return !progress || progress("evaluating", (done + f) / expected);
    });
    return result.accuracy;
  };
  std::optional<AccuracyAwareResult> sensitivity;
  double fp32Accuracy = 0, int8Accuracy = 0;
  if (options.maxDrop || options.sensitivity) {
    sensitivity = analyseSensitivity(plan, sqnr, accuracy, options.maxDrop);
    fp32Accuracy = sensitivity->fp32Accuracy;
    int8Accuracy = sensitivity->int8Accuracy;
  } else {
    fp32Accuracy = accuracy(nullptr);
    int8Accuracy = accuracy(&plan);
  }

  saveModel(outPath, model.spec, model.params, &plan, fp32.dataset);
  const std::string fp32Path = outPath + ".fp32-size.tmp";
  saveModel(fp32Path, fp32.spec, fp32.params);
  const int64_t fp32Bytes = fileBytes(fp32Path);
  std::filesystem::remove(fp32Path);

  nlohmann::json report = {
      {"model", fp32.spec.name},
      {"calibration", {{"dataset", calib->name()},
                       {"samples", plan.samples},
                       {"observer", plan.observer},
                       {"percentile", plan.percentile},
                       {"scheme", plan.scheme},
                       {"window", plan.window}}},
      {"evaluation", {{"dataset", eval->name()}, {"samples", eval->size()}}},
      {"fp32", {{"accuracy", fp32Accuracy}, {"bytes", fp32Bytes}}},
      {"int8", {{"accuracy", int8Accuracy}, {"bytes", fileBytes(outPath)}, {"file", outPath}}},
      {"accuracy_drop_points", 100 * (fp32Accuracy - int8Accuracy)},
      {"size_ratio", static_cast<double>(fp32Bytes) / static_cast<double>(fileBytes(outPath))},
      {"int8_layers", plan.int8LayerCount()},
      {"layers", nlohmann::json::array()}};
  // Per class: the last evaluation of each precision is the one reported (analyseSensitivity
  // measures its final plan last).
  std::vector<std::string> names = eval->classNames();
  if (names.empty()) names = fp32.dataset.classNames;
  report["fp32"]["per_class"] = perClassJson(lastFp32, names);
  report["int8"]["per_class"] = perClassJson(lastInt8, names);
  addClassChanges(report, report["fp32"]["per_class"], report["int8"]["per_class"], "int8");
  if (options.maxDrop) {
    report["max_drop_points"] = *options.maxDrop;
    report["max_drop_reached"] = sensitivity->reached;
    report["kept_fp32"] = sensitivity->keptFp32;
  }
  const Graph graph = Graph::build(model.spec, 1);
  for (const GraphNode& node : graph.nodes())
    if (plan.layers.count(node.name))
      report["layers"].push_back(layerReport(node, graph, plan, sqnr, sensitivity));
  if (options.throughput) {
    if (progress && !progress("measuring throughput", 0)) throw Error("quantization cancelled");
    const InferenceModel original{fp32.spec, fp32.params};
    for (int64_t batch : {1, 64}) {
      const std::string key = "samples_per_s_b" + std::to_string(batch);
      report["fp32"][key] = samplesPerSecond(original, nullptr, batch);
      report["int8"][key] = samplesPerSecond(model, &plan, batch);
    }
  }
  return report;
}

void publishQuantizeReport(const nlohmann::json& report, const std::string& outDir,
                           EventLog& events) {
  writeFileWhole((std::filesystem::path(outDir) / "quantize.json").string(), report.dump(2) + "\n");
  events.publish("quantize", {{"fp32_accuracy", report["fp32"]["accuracy"]},
                              {"int8_accuracy", report["int8"]["accuracy"]},
                              {"fp32_bytes", report["fp32"]["bytes"]},
                              {"int8_bytes", report["int8"]["bytes"]},
                              {"int8_layers", report["int8_layers"]},
                              {"model", report["int8"]["file"]},
                              {"report", report}});
}

}  // namespace twb
