#pragma once

#include <cstdint>
#include <string>

namespace twb {

struct ScheduleConfig {
  std::string type = "constant";  // constant | step | cosine
  int64_t warmupSteps = 0;        // linear warm-up from lr/warmup to lr, before the schedule
  int64_t stepSize = 1000;        // step: multiply by gamma every stepSize steps
  double gamma = 0.1;
  double minLr = 0;               // cosine: the floor reached at the last step
};

// The learning rate at `step` (0-based) of a run of `totalSteps` with base rate `lr`.
double learningRate(const ScheduleConfig& schedule, double lr, int64_t step, int64_t totalSteps);

}  // namespace twb
