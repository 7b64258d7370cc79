#include "train/optimizer.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/memory_need.h"

namespace twb {

void Optimizer::ensureState(const std::vector<Parameter>& params) {
  if (!m_state.empty()) return;
  const std::vector<std::string> suffixes = stateSuffixes();
  std::string kept;  // "exp_avg, exp_avg_sq"
  for (const auto& suffix : suffixes) kept += (kept.empty() ? "" : ", ") + suffix;
  MemoryNeed need("the optimizer's state tensors");
  for (const auto& p : params)
    if (!p.grad.empty())
      need.add(suffixes.size() * p.value.bytes(),
               "'" + p.name + "' of " + toString(p.value.shape()) + "'s " + kept);
  need.checkAvailable(
      "give a smaller model, or an optimizer that keeps less (sgd without momentum keeps none)");
  for (const auto& p : params)
    if (!p.grad.empty())
      for (const auto& suffix : suffixes)
        m_state.emplace_back(p.name + "." + suffix, Tensor(p.value.shape(), DType::f32));
}

void Optimizer::step(std::vector<Parameter>& params, float lr,
                     const std::vector<const Parameter*>& held) {
  ensureState(params);
  advance();
  size_t index = 0;
  for (auto& p : params) {
    if (p.grad.empty()) continue;
    if (std::find(held.begin(), held.end(), &p) == held.end()) update(p, index, lr);
    ++index;
  }
}

namespace {
// Elementwise updates are memory-bound; threads pay off above this many elements. Every element
// is computed the same way whatever the thread count, so results do not depend on it.
constexpr int64_t kParallelThreshold = 1 << 14;

// SGD as torch.optim.SGD (dampening 0):
//   g = grad + wd*w;  buf = momentum*buf + g;  g = nesterov ? g + momentum*buf : buf;  w -= lr*g
class Sgd : public Optimizer {
 public:
  explicit Sgd(OptimizerConfig c) : m_c(std::move(c)) {}
  void update(Parameter& p, size_t index, float lr) override {
    const float wd = static_cast<float>(m_c.weightDecay), mu = static_cast<float>(m_c.momentum);
    float* w = p.value.data<float>();
    const float* g = p.grad.data<float>();
    const int64_t n = p.value.numel();
    if (mu == 0) {
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
      for (int64_t i = 0; i < n; ++i) w[i] -= lr * (g[i] + wd * w[i]);
      return;
    }
    float* buf = m_state[index].second.data<float>();
    const bool nesterov = m_c.nesterov;
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i) {
      const float d = g[i] + wd * w[i];
      buf[i] = mu * buf[i] + d;
      w[i] -= lr * (nesterov ? d + mu * buf[i] : buf[i]);
    }
  }
  std::vector<std::string> stateSuffixes() const override {
    if (m_c.momentum == 0) return {};
    return {"momentum"};
  }

 private:
  OptimizerConfig m_c;
};

// Adam and AdamW as torch.optim.Adam / AdamW:
//   adamw: w *= 1 - lr*wd;   adam: g += wd*w
//   m = b1*m + (1-b1)*g;  v = b2*v + (1-b2)*g^2
//   w -= lr/(1-b1^t) * m / (sqrt(v)/sqrt(1-b2^t) + eps)
class Adam : public Optimizer {
 public:
  Adam(OptimizerConfig c, bool decoupled) : m_c(std::move(c)), m_decoupled(decoupled) {}
  void update(Parameter& p, size_t index, float lr) override {
    const float b1 = static_cast<float>(m_c.beta1), b2 = static_cast<float>(m_c.beta2);
    const float eps = static_cast<float>(m_c.eps), wd = static_cast<float>(m_c.weightDecay);
    const float correction1 = 1.f - static_cast<float>(std::pow(m_c.beta1, m_steps));
    const float correction2Sqrt = std::sqrt(1.f - static_cast<float>(std::pow(m_c.beta2, m_steps)));
    const float stepSize = lr / correction1;
    float* w = p.value.data<float>();
    const float* g = p.grad.data<float>();
    float* m = m_state[2 * index].second.data<float>();
    float* v = m_state[2 * index + 1].second.data<float>();
    const int64_t n = p.value.numel();
    const bool decoupled = m_decoupled;
#pragma omp parallel for simd schedule(static) if (n > kParallelThreshold)
    for (int64_t i = 0; i < n; ++i) {
      float d = g[i];
      if (decoupled)
        w[i] *= 1.f - lr * wd;
      else
        d += wd * w[i];
      m[i] = b1 * m[i] + (1.f - b1) * d;
      v[i] = b2 * v[i] + (1.f - b2) * d * d;
      w[i] -= stepSize * m[i] / (std::sqrt(v[i]) / correction2Sqrt + eps);
    }
  }
  std::vector<std::string> stateSuffixes() const override { return {"exp_avg", "exp_avg_sq"}; }

 private:
  OptimizerConfig m_c;
  bool m_decoupled;
};
}  // namespace

std::unique_ptr<Optimizer> makeOptimizer(const OptimizerConfig& config) {
  if (config.type == "sgd") return std::make_unique<Sgd>(config);
  if (config.type == "adam") return std::make_unique<Adam>(config, false);
  if (config.type == "adamw") return std::make_unique<Adam>(config, true);
  throw Error("unknown optimizer '" + config.type + "' (expected sgd, adam or adamw)");
}

}  // namespace twb
