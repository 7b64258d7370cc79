#include "cli/class_report.h"

#include <algorithm>
#include <cstdio>
#include <ostream>

#include "cli/csv_field.h"
#include "core/error.h"
#include "core/file_writing.h"

namespace twb {

void printClassTable(const std::vector<ClassScore>& scores) {
  int width = 5;  // "class"
  for (const ClassScore& s : scores) width = std::max(width, static_cast<int>(s.name.size()));
  std::printf("%-*s %9s %9s %10s  %s\n", width, "class", "samples", "accuracy", "precision",
              "most often taken for");
  for (const ClassScore& s : scores) {
    std::printf("%-*s %9lld", width, s.name.c_str(), static_cast<long long>(s.samples));
    if (s.samples > 0)
      std::printf(" %9.4f", static_cast<double>(s.correct) / static_cast<double>(s.samples));
    else
      std::printf(" %9s", "-");
    if (s.answered > 0)
      std::printf(" %10.4f", static_cast<double>(s.correct) / static_cast<double>(s.answered));
    else
      std::printf(" %10s", "-");
    if (s.mistakenFor >= 0)
      std::printf("  %s (%lld)\n", scores[static_cast<size_t>(s.mistakenFor)].name.c_str(),
                  static_cast<long long>(s.mistakenCount));
    else
      std::printf("  -\n");
  }
}

void writeConfusionCsv(const std::string& path, const EvalResult& result,
                       const std::vector<ClassScore>& scores) {
  writeFileWhole(path, [&](std::ostream& out) {
    out << "label \\ answer";
    for (const ClassScore& s : scores) out << ',' << csvField(s.name);
    out << '\n';
    for (int64_t label = 0; label < result.classes; ++label) {
      out << csvField(scores[static_cast<size_t>(label)].name);
      for (int64_t answer = 0; answer < result.classes; ++answer)
        out << ',' << result.confusion[static_cast<size_t>(label * result.classes + answer)];
      out << '\n';
    }
  });
}

}  // namespace twb
