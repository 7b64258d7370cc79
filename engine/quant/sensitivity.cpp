#include "quant/sensitivity.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>

#include "core/error.h"
#include "exec/activation_budget.h"
#include "exec/executor.h"

namespace twb {

namespace {
// Every chunk of samples builds one executor per layer: ResNet-50 at 224x224, one sample a chunk,
// built 64 x 55 of them in `quantize --samples 64`. A few chunks measure each layer's noise over
// thousands of its outputs (10^5 and more for a convolution's) already.
constexpr int64_t kSqnrChunks = 4;

// Signal and quantization-noise power, summed over chunks of samples.
struct SignalNoise {
  double signal = 0, noise = 0;
  void add(const std::vector<float>& reference, const std::vector<float>& quantized) {
    for (size_t i = 0; i < reference.size(); ++i) {
      signal += static_cast<double>(reference[i]) * reference[i];
      const double d = static_cast<double>(reference[i]) - quantized[i];
      noise += d * d;
    }
  }
  double db() const {
    return noise == 0 ? std::numeric_limits<double>::infinity()
                      : 10 * std::log10(signal / noise);
  }
};
}  // namespace

QuantPlan onlyLayer(const QuantPlan& plan, const std::string& layer) {
  QuantPlan one = plan;
  for (auto& [name, l] : one.layers) l.int8 = name == layer;
  return one;
}

std::map<std::string, double> layerSqnr(const InferenceModel& model, const QuantPlan& plan,
                                        const std::vector<float>& samples,
                                        const std::function<bool(double)>& progress,
                                        int64_t limit) {
  const InputSpec& input = model.spec.inputs.at(0);
  const int64_t sampleSize = numel(input.shape);
  const int64_t available = std::min(limit, static_cast<int64_t>(samples.size()) / sampleSize);
  auto optionsOf = [](Precision precision, const QuantPlan* quant) {
    ExecOptions options{ExecMode::infer, false, precision, quant};
    options.keepEveryValue = true;  // every layer's output is compared
    return options;
  };
  ParameterStore params = model.params;
  // The fp32 reference and one int8 executor are alive at once: half the budget each.
  const int64_t batch = batchWithinBudget(model.spec, params, optionsOf(Precision::fp32, nullptr),
                                          available, kInferenceActivationBudget / 2);
  const int64_t n = std::min(available, kSqnrChunks * batch);
  auto run = [&](Precision precision, const QuantPlan* quant, int64_t first) {
    const ExecOptions options = optionsOf(precision, quant);
    auto exec = std::make_unique<Executor>(Graph::build(model.spec, batch), params, options);
    std::copy_n(samples.data() + first * sampleSize, batch * sampleSize,
                static_cast<float*>(exec->inputBuffer(input.name)));
    exec->forward();
    return exec;
  };
  std::map<std::string, SignalNoise> power;
  const double runs = static_cast<double>(n / batch * plan.layers.size());
  int64_t done = 0;
  for (int64_t first = 0; first + batch <= n; first += batch) {
    const auto reference = run(Precision::fp32, nullptr, first);
    for (const auto& [layer, quant] : plan.layers) {
      const QuantPlan one = onlyLayer(plan, layer);
      power[layer].add(reference->read(layer), run(Precision::int8, &one, first)->read(layer));
      if (progress && !progress(static_cast<double>(++done) / runs))
        throw Error("quantization cancelled");
    }
  }
  std::map<std::string, double> result;
  for (const auto& [layer, p] : power) result[layer] = p.db();
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
