#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "train/evaluator.h"

namespace twb {

// One class of an evaluation: how often its samples are recognised (accuracy, or recall), how
// often the model's answers of it are right (precision), and what it is most often taken for.
struct ClassScore {
  std::string name;
  int64_t samples = 0;       // labelled with this class
  int64_t correct = 0;       // of those, answered with it
  int64_t answered = 0;      // samples the model put in this class
  int64_t mistakenFor = -1;  // the class its samples are most often taken for; -1: never wrong
  int64_t mistakenCount = 0;
};

// The scores of every class of `result`, named by `names` where it has one name per class and
// by number otherwise.
std::vector<ClassScore> classScores(const EvalResult& result,
                                    const std::vector<std::string>& names);

// The confusion matrix as one array of counts per label (row), by the model's answer (column).
nlohmann::json confusionJson(const EvalResult& result);

// Past this many classes the eval event leaves the confusion matrix out: it grows with their
// square, and a chart of it stops being readable long before.
inline constexpr int64_t kMaxClassesWithConfusion = 100;

// {"correct": [...], "samples": [...], "names": [...], "confusion": [[...], ...]}: what the eval
// event and the quantize report carry (names only when there is one per class; the matrix up to
// kMaxClassesWithConfusion classes).
nlohmann::json perClassJson(const EvalResult& result, const std::vector<std::string>& names);

// Into a report comparing fp32 (`fp32`) with another precision (`other`, named `precision`):
// "class_difference_points", and "hardest_hit_class" {"name", "fp32", PRECISION, "points"} when
// the evaluations have per-class counts.
void addClassChanges(nlohmann::json& report, const nlohmann::json& fp32,
                     const nlohmann::json& other, const std::string& precision);

}  // namespace twb
