#include "train/lr_schedule.h"

#include <algorithm>
#include <cmath>

namespace twb {

double learningRate(const ScheduleConfig& s, double lr, int64_t step, int64_t totalSteps) {
  if (step < s.warmupSteps) return lr * static_cast<double>(step + 1) / s.warmupSteps;
  const int64_t t = step - s.warmupSteps;
  const int64_t span = std::max<int64_t>(1, totalSteps - s.warmupSteps);
  if (s.type == "step") return lr * std::pow(s.gamma, static_cast<double>(t / s.stepSize));
  if (s.type == "cosine") {
    const double progress = std::min(1.0, static_cast<double>(t) / span);
    return s.minLr + (lr - s.minLr) * 0.5 * (1.0 + std::cos(M_PI * progress));
  }
  return lr;
}

}  // namespace twb
