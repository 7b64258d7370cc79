#include "quant/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "exec/executor.h"

namespace twb {

double sqnrDb(const std::vector<float>& reference, const std::vector<float>& quantized) {
  double signal = 0, noise = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    signal += static_cast<double>(reference[i]) * reference[i];
    const double d = static_cast<double>(reference[i]) - quantized[i];
    noise += d * d;
  }
  if (noise == 0) return std::numeric_limits<double>::infinity();
  return 10 * std::log10(signal / noise);
}

QuantPlan onlyLayer(const QuantPlan& plan, const std::string& layer) {
  QuantPlan one = plan;
  for (auto& [name, l] : one.layers) l.int8 = name == layer;
  return one;
}

std::map<std::string, double> layerSqnr(const InferenceModel& model, const QuantPlan& plan,
                                        const std::vector<float>& samples, int64_t limit) {
  const InputSpec& input = model.spec.inputs.at(0);
  const int64_t sampleSize = numel(input.shape);
  const int64_t n = std::min(limit, static_cast<int64_t>(samples.size()) / sampleSize);
  ParameterStore params = model.params;
  auto run = [&](Precision precision, const QuantPlan* quant) {
    auto exec = std::make_unique<Executor>(Graph::build(model.spec, n), params,
                                           ExecOptions{ExecMode::infer, false, precision, quant});
    std::copy_n(samples.data(), n * sampleSize, static_cast<float*>(exec->inputBuffer(input.name)));
    exec->forward();
    return exec;
  };
  const auto reference = run(Precision::fp32, nullptr);
  std::map<std::string, double> result;
  for (const auto& [layer, quant] : plan.layers) {
    const QuantPlan one = onlyLayer(plan, layer);
    const auto quantized = run(Precision::int8, &one);
    result[layer] = sqnrDb(reference->read(layer), quantized->read(layer));
  }
  return result;
}

AccuracyAwareResult analyseSensitivity(QuantPlan& plan, const std::map<std::string, double>& sqnr,
                                       const AccuracyFunction& accuracy,
                                       std::optional<double> maxDrop) {
  AccuracyAwareResult r;
  r.fp32Accuracy = accuracy(nullptr);
  for (const auto& [layer, quant] : plan.layers) {
    const QuantPlan one = onlyLayer(plan, layer);
    r.accuracyDelta[layer] = 100 * (accuracy(&one) - r.fp32Accuracy);
  }
  r.int8Accuracy = accuracy(&plan);
  if (!maxDrop) return r;
  std::vector<std::string> order;
  for (const auto& [layer, quant] : plan.layers)
    if (quant.int8) order.push_back(layer);
  std::sort(order.begin(), order.end(), [&](const std::string& a, const std::string& b) {
    if (r.accuracyDelta[a] != r.accuracyDelta[b]) return r.accuracyDelta[a] < r.accuracyDelta[b];
    return sqnr.at(a) < sqnr.at(b);
  });
  for (const std::string& layer : order) {
    if (100 * (r.fp32Accuracy - r.int8Accuracy) <= *maxDrop) break;
    plan.layers[layer].int8 = false;
    r.keptFp32.push_back(layer);
    r.int8Accuracy = accuracy(&plan);
  }
  r.reached = 100 * (r.fp32Accuracy - r.int8Accuracy) <= *maxDrop && plan.int8LayerCount() > 0;
  return r;
}

}  // namespace twb
