#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "sweep/sweep_plan.h"

namespace twb {

// The median rule (Google Vizier's "median automated stopping"): at step s, a running trial
// stops when the best loss it has reached by s is worse than the median, over the finished
// trials, of each one's average loss up to s. Lower is better; a loss that is not a number
// counts as the worst. Thread-safe: trials report from their own threads.
class MedianStoppingRule {
 public:
  explicit MedianStoppingRule(EarlyStopping config) : m_config(config) {}

  // A step event of trial `trial`. Returns the median it lost to when the trial should stop.
  std::optional<double> report(int trial, int64_t step, double loss);
  // Trial `trial` ran to its end: its curve joins the median from now on.
  void finished(int trial);

 private:
  // The average of a finished trial's losses up to `step`; empty before its first report.
  static std::optional<double> averageUpTo(const std::vector<std::pair<int64_t, double>>& curve,
                                           int64_t step);

  EarlyStopping m_config;
  std::mutex m_mutex;
  std::map<int, std::vector<std::pair<int64_t, double>>> m_running, m_finished;
};

}  // namespace twb
