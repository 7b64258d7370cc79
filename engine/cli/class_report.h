#pragma once

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

}  // namespace twb
