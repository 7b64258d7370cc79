#include "train/class_scores.h"

namespace twb {

std::vector<ClassScore> classScores(const EvalResult& result,
                                    const std::vector<std::string>& names) {
  const int64_t classes = result.classes;
  const bool named = static_cast<int64_t>(names.size()) == classes;
  std::vector<ClassScore> scores(static_cast<size_t>(classes));
  for (int64_t label = 0; label < classes; ++label) {
    ClassScore& score = scores[static_cast<size_t>(label)];
    score.name = named ? names[static_cast<size_t>(label)] : std::to_string(label);
    for (int64_t answer = 0; answer < classes; ++answer) {
      const int64_t count = result.confusion[static_cast<size_t>(label * classes + answer)];
      score.samples += count;
      scores[static_cast<size_t>(answer)].answered += count;
      if (answer == label) {
        score.correct = count;
      } else if (count > score.mistakenCount) {
        score.mistakenFor = answer;
        score.mistakenCount = count;
      }
    }
  }
  return scores;
}

nlohmann::json confusionJson(const EvalResult& result) {
  nlohmann::json rows = nlohmann::json::array();
  for (int64_t label = 0; label < result.classes; ++label)
    rows.push_back(std::vector<int64_t>(result.confusion.begin() + label * result.classes,
                                        result.confusion.begin() + (label + 1) * result.classes));
  return rows;
}

nlohmann::json perClassJson(const EvalResult& result, const std::vector<std::string>& names) {
  nlohmann::json j{{"correct", nlohmann::json::array()}, {"samples", nlohmann::json::array()}};
  const std::vector<ClassScore> scores = classScores(result, names);
  for (const ClassScore& s : scores) {
    j["correct"].push_back(s.correct);
    j["samples"].push_back(s.samples);
  }
  if (names.size() == scores.size()) j["names"] = names;
  if (result.classes <= kMaxClassesWithConfusion) j["confusion"] = confusionJson(result);
  return j;
}

namespace {
// A class's test accuracy in a `per_class` object (0 for a class its test split lacks).
double classAccuracy(const nlohmann::json& perClass, size_t label) {
  const double samples = perClass["samples"][label].get<double>();
  return samples > 0 ? perClass["correct"][label].get<double>() / samples : 0;
}

// Between two evaluations of the same classes (`per_class` objects, docs/events.md): each
// class's change of test accuracy in points, and the class that lost most.
struct ClassChanges {
  std::vector<double> points;    // after - before, by class; empty without per-class counts
  size_t hardest = 0;            // the largest fall (or the smallest rise)
  std::string hardestName;       // its name, or its number
  double before = 0, after = 0;  // its accuracies, 0 to 1
};

ClassChanges classChanges(const nlohmann::json& before, const nlohmann::json& after) {
  ClassChanges changes;
  if (!before.contains("samples") || !after.contains("samples")) return changes;
  for (size_t label = 0; label < before["samples"].size(); ++label) {
    changes.points.push_back(100 * (classAccuracy(after, label) - classAccuracy(before, label)));
    if (changes.points[label] < changes.points[changes.hardest]) changes.hardest = label;
  }
  if (changes.points.empty()) return changes;
  const nlohmann::json names = before.value("names", nlohmann::json::array());
  changes.hardestName = changes.hardest < names.size() ? names[changes.hardest].get<std::string>()
                                                       : std::to_string(changes.hardest);
  changes.before = classAccuracy(before, changes.hardest);
  changes.after = classAccuracy(after, changes.hardest);
  return changes;
}
}  // namespace

void addClassChanges(nlohmann::json& report, const nlohmann::json& fp32,
                     const nlohmann::json& other, const std::string& precision) {
  const ClassChanges classes = classChanges(fp32, other);
  report["class_difference_points"] = classes.points;
  if (!classes.points.empty())
    report["hardest_hit_class"] = {{"name", classes.hardestName},
                                   {"fp32", classes.before},
                                   {precision, classes.after},
                                   {"points", classes.points[classes.hardest]}};
}

}  // namespace twb
