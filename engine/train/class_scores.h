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

// {"correct": [...], "samples": [...], "names": [...]}: what the eval event and the quantize
// report carry (names only when there is one per class).
nlohmann::json perClassJson(const std::vector<ClassScore>& scores,
                            const std::vector<std::string>& names);

}  // namespace twb
