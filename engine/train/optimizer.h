#pragma once

#include <memory>
#include <string>
#include <vector>

#include "exec/parameter_store.h"

namespace twb {

struct OptimizerConfig {
  std::string type = "sgd";  // sgd | adam | adamw
  double lr = 0.01;
  double momentum = 0;        // sgd
  bool nesterov = false;      // sgd
  double weightDecay = 0;     // L2 for sgd and adam, decoupled for adamw
  double beta1 = 0.9, beta2 = 0.999, eps = 1e-8;  // adam, adamw
};

// Updates parameters from their gradients with PyTorch's exact formulas, so a step here and a
// step of torch.optim on the same weights agree. State tensors are saved in checkpoints.
class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One step over every trainable parameter: advance(), then update() each but those `held`,
  // which keep their values and state (their gradients this step are unusable).
  void step(std::vector<Parameter>& params, float lr,
            const std::vector<const Parameter*>& held = {});
  // Counts a step; the updates of its parameters follow, all before the next advance()
  // (data-parallel training updates each gradient bucket when the next forward needs it).
  void advance() { ++m_steps; }
  // Updates one trainable parameter, the `index`-th of the parameters passed to ensureState().
  virtual void update(Parameter& param, size_t index, float lr) = 0;
  // Named state ("NAME.momentum", ...), created on first use; restored before resuming.
  std::vector<std::pair<std::string, Tensor>>& state() { return m_state; }
  int64_t steps() const { return m_steps; }
  void setSteps(int64_t steps) { m_steps = steps; }
  // The state each trainable parameter keeps ("momentum"; "exp_avg", "exp_avg_sq"; or none).
  virtual std::vector<std::string> stateSuffixes() const = 0;
  // Creates, once, zeroed state tensors "NAME.SUFFIX" for every trainable parameter, in
  // parameter order: the state of trainable parameter j, suffix s, is
  // m_state[j * stateSuffixes().size() + s]. Later steps find them by index, allocating nothing.
  void ensureState(const std::vector<Parameter>& params);

 protected:
  std::vector<std::pair<std::string, Tensor>> m_state;
  int64_t m_steps = 0;
};

std::unique_ptr<Optimizer> makeOptimizer(const OptimizerConfig& config);

}  // namespace twb
