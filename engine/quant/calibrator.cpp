#include "quant/calibrator.h"

#include "backend/cpu/cpu_kernel.h"
#include "core/error.h"
#include "data/data_loader.h"
#include "exec/activation_budget.h"
#include "exec/executor.h"
#include "quant/range_observer.h"

namespace twb {

std::vector<float> calibrationSamples(const InferenceModel& model,
                                      const std::shared_ptr<const Dataset>& data,
                                      const Normalization& normalization,
                                      const CalibrationOptions& options) {
  if (options.samples < 1)
    throw Error("calibration needs at least 1 sample (samples is " +
                std::to_string(options.samples) + ")");
  const InputSpec& input = model.spec.inputs.at(0);
  if (data->sampleShape() != input.shape)
    throw Error("calibration set " + data->name() + " has samples of shape " +
                toString(data->sampleShape()) + ", but input '" + input.name + "' of model '" +
                model.spec.name + "' takes " + toString(input.shape));
  const int64_t count = std::min(options.samples, data->size());
  const int64_t sampleSize = numel(input.shape);
  const int64_t loaderBatch = std::min<int64_t>(count, 64);
  DataLoader loader(data, {loaderBatch, true, false, options.seed, normalization, {}});
  std::vector<float> samples(static_cast<size_t>(count * sampleSize));
  std::vector<float> batch(static_cast<size_t>(loaderBatch * sampleSize));
  std::vector<int32_t> labels(batch.size() / static_cast<size_t>(sampleSize));
  loader.start(0);
  for (int64_t done = 0; done < count;) {
    const int64_t n = std::min(loader.next(batch.data(), labels.data()), count - done);
    std::copy_n(batch.data(), n * sampleSize, samples.data() + done * sampleSize);
    done += n;
  }
  return samples;
}

QuantPlan calibrate(const InferenceModel& model, const std::vector<float>& samples,
                    const CalibrationOptions& options, const std::function<bool(double)>& progress) {
  const ObserverKind kind = parseObserver(options.observer);
  if (options.scheme != "per-channel" && options.scheme != "local")
    throw Error("unknown quantization scheme '" + options.scheme +
                "' (expected per-channel or local)");
  if (options.scheme == "local" && options.window < 1)
    throw Error("the local scheme's window must be >= 1 (is " + std::to_string(options.window) +
                ")");
  const InputSpec& input = model.spec.inputs.at(0);
  const int64_t sampleSize = numel(input.shape);
  const int64_t count = static_cast<int64_t>(samples.size()) / sampleSize;
  if (count < 1) throw Error("calibration needs at least 1 sample");

  ParameterStore params = model.params;
  ExecOptions everyValue{ExecMode::infer, false, Precision::fp32};
  everyValue.keepEveryValue = true;  // every value is observed
  const Graph graph = Graph::build(model.spec, 1);
  std::vector<RangeObserver> observers(graph.values().size());
  const bool twoPasses = kind != ObserverKind::minmax;
  const int passes = twoPasses ? 2 : 1;
  // Observers sum over batches, so the batch changes nothing but the memory held. One executor
  // runs every batch; the last one's rows past the samples are computed and not observed.
  const int64_t batch = evenedBatch(
      count, batchWithinBudget(model.spec, params, everyValue, std::min(options.batch, count)));
  const int64_t batches = (count + batch - 1) / batch;
  Executor exec(Graph::build(model.spec, batch), params, everyValue);
  for (int pass = 0; pass < passes; ++pass) {
    for (int64_t b = 0; b < batches; ++b) {
      const int64_t first = b * batch, n = std::min(batch, count - first);
      std::copy_n(samples.data() + first * sampleSize, n * sampleSize,
                  static_cast<float*>(exec.inputBuffer(input.name)));
      exec.forward();
      for (size_t v = 0; v < graph.values().size(); ++v) {
        const std::vector<float> values = exec.read(graph.values()[v].name);
        const size_t observed = values.size() / static_cast<size_t>(batch) * static_cast<size_t>(n);
        if (pass == 0)
          observers[v].observeRange(values.data(), observed);
        else
          observers[v].observeHistogram(values.data(), observed);
      }
      if (progress && !progress(static_cast<double>(pass * batches + b + 1) / (passes * batches)))
        throw Error("calibration cancelled");
    }
  }

  QuantPlan plan;
  plan.observer = options.observer;
  plan.percentile = options.percentile;
  plan.scheme = options.scheme;
  plan.window = options.scheme == "local" ? options.window : 1;
  plan.samples = count;
  // Model inputs keep their whole range: data is bounded and its outliers (the brightest
  // pixels) carry meaning; clipping it only helps intermediate activations.
  for (size_t v = 0; v < graph.values().size(); ++v) {
    const bool modelInput = graph.values()[v].producer < 0;
    plan.activations[graph.values()[v].name] =
        observers[v].result(modelInput ? ObserverKind::minmax : kind, options.percentile);
  }
  for (const GraphNode& node : graph.nodes()) {
    if (node.op->traits().int8 != Int8Role::weighted) continue;
    const Tensor& w = model.params.find(node.name + ".weight")->value;
    const int64_t out = w.shape()[0];
    const bool signedInput = !plan.range(graph.values()[node.inputs[0]].name).nonNegative;
    const int levels =
        makeCpuKernel(node.opName)
            ->int8WeightLevels(node, graph.values()[node.inputs[0]].shape, signedInput);
    plan.layers[node.name] = {true, weightScales(w.data<float>(), out, w.numel() / out,
                                                 plan.window, levels)};
  }
  return plan;
}

}  // namespace twb
