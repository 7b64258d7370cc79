#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "train/class_scores.h"

namespace twb {

// `eval --per-class`: one row per class, aligned for a terminal.
void printClassTable(const std::vector<ClassScore>& scores);

// `eval --confusion FILE.csv`: the confusion matrix with the class names as its first row and
// column (rows: the label, columns: the model's answer). Throws twb::Error naming the file when
// it cannot be written.
void writeConfusionCsv(const std::string& path, const EvalResult& result,
                       const std::vector<ClassScore>& scores);

// Between two evaluations of the same classes (`per_class` objects, docs/events.md): each
// class's change of test accuracy in points, and the class that lost most.
struct ClassChanges {
  std::vector<double> points;    // after - before, by class; empty without per-class counts
  size_t hardest = 0;            // the largest fall (or the smallest rise)
  std::string hardestName;       // its name, or its number
  double before = 0, after = 0;  // its accuracies, 0 to 1
};
ClassChanges classChanges(const nlohmann::json& before, const nlohmann::json& after);

}  // namespace twb
