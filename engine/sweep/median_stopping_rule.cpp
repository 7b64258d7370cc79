#include "sweep/median_stopping_rule.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace twb {

std::optional<double> MedianStoppingRule::report(int trial, int64_t step, double loss) {
  if (!std::isfinite(loss)) loss = std::numeric_limits<double>::infinity();
  std::lock_guard lock(m_mutex);
  auto& curve = m_running[trial];
  curve.emplace_back(step, loss);
  if (!m_config.enabled || step < m_config.graceSteps) return std::nullopt;
  std::vector<double> averages;
  for (const auto& [other, otherCurve] : m_finished)
    if (const auto average = averageUpTo(otherCurve, step)) averages.push_back(*average);
  if (static_cast<int>(averages.size()) < m_config.minTrials) return std::nullopt;
  const size_t mid = averages.size() / 2;
  std::nth_element(averages.begin(), averages.begin() + static_cast<std::ptrdiff_t>(mid),
                   averages.end());
  double median = averages[mid];
  if (averages.size() % 2 == 0)
    median = (median + *std::max_element(averages.begin(),
                                         averages.begin() + static_cast<std::ptrdiff_t>(mid))) /
             2;
  double best = std::numeric_limits<double>::infinity();
  for (const auto& [s, value] : curve) best = std::min(best, value);
  if (best > median) return median;
  return std::nullopt;
}

void MedianStoppingRule::finished(int trial) {
  std::lock_guard lock(m_mutex);
  auto node = m_running.extract(trial);
  if (!node.empty()) m_finished.insert(std::move(node));
}

std::optional<double> MedianStoppingRule::averageUpTo(
    const std::vector<std::pair<int64_t, double>>& curve, int64_t step) {
  double sum = 0;
  int64_t count = 0;
  for (const auto& [s, value] : curve)
    if (s <= step) sum += value, ++count;
  if (count == 0) return std::nullopt;
  return sum / static_cast<double>(count);
}

}  // namespace twb
