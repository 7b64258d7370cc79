#include "data/csv_dataset.h"

#include <cmath>
#include <fstream>

#include "core/error.h"

namespace twb {

namespace {

constexpr int64_t kMaxCsvClasses = 1 << 20;  // labels index classes: a million is already odd

std::string trimmed(const std::string& text) {
  const size_t first = text.find_first_not_of(" \t");
  if (first == std::string::npos) return {};
  return text.substr(first, text.find_last_not_of(" \t") - first + 1);
}

// The cells of one line: commas separate them, double quotes enclose a cell that holds commas,
// and "" inside quotes is one quote.
std::vector<std::string> splitCells(const std::string& line, const std::string& where) {
  std::vector<std::string> cells;
  std::string cell;
  bool quoted = false, wasQuoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        cell += '"';
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        cell += c;
      }
    } else if (c == '"' && trimmed(cell).empty()) {
      quoted = wasQuoted = true;
      cell.clear();
    } else if (c == ',') {
      cells.push_back(wasQuoted ? cell : trimmed(cell));
      cell.clear();
      wasQuoted = false;
    } else if (wasQuoted) {  // only padding may follow a closing quote
      if (c != ' ' && c != '\t')
        throw Error(where + ": text after the closing quote of column " +
                    std::to_string(cells.size() + 1));
    } else {
      cell += c;
    }
  }
  if (quoted)
    throw Error(where + ": a quote in column " + std::to_string(cells.size() + 1) +
                " is not closed on its line");
  cells.push_back(wasQuoted ? cell : trimmed(cell));
  return cells;
}

bool parseNumber(const std::string& cell, double& value) {
  char* end = nullptr;
  value = std::strtod(cell.c_str(), &end);
  return !cell.empty() && *end == '\0';
}

}  // namespace

DatasetSplits openCsv(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  std::vector<float> values;
  std::vector<int32_t> labels;
  std::vector<std::string> header;
  int64_t columns = -1, lineNumber = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++lineNumber;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (trimmed(line).empty()) continue;
    const std::string where = path + ":" + std::to_string(lineNumber);
    const std::vector<std::string> cells = splitCells(line, where);
    std::vector<double> row(cells.size());
    size_t bad = cells.size();
    for (size_t i = 0; i < cells.size() && bad == cells.size(); ++i)
      if (!parseNumber(cells[i], row[i])) bad = i;
    if (bad < cells.size() && columns < 0) {  // the header row
      header = cells;
      columns = static_cast<int64_t>(cells.size());
      continue;
    }
    if (bad < cells.size())
      throw Error(where + ": column " + std::to_string(bad + 1) +
                  (bad < header.size() ? " ('" + header[bad] + "')" : std::string()) + ": '" +
                  cells[bad] + "' is not a number");
    if (cells.size() < 2) throw Error(where + ": needs at least one feature and a label");
    if (columns < 0) columns = static_cast<int64_t>(cells.size());
    if (static_cast<int64_t>(cells.size()) != columns)
      throw Error(where + ": has " + std::to_string(cells.size()) + " columns, expected " +
                  std::to_string(columns));
    const double label = row.back();
    if (!(label >= 0 && label < kMaxCsvClasses) || label != std::floor(label))
      throw Error(where + ": label " + cells.back() +
                  " is not a class index (an integer from 0 to " +
                  std::to_string(kMaxCsvClasses - 1) + ")");
    labels.push_back(static_cast<int32_t>(label));
    for (size_t i = 0; i + 1 < row.size(); ++i) values.push_back(static_cast<float>(row[i]));
  }
  if (labels.empty()) throw Error(path + ": holds no rows");
  int64_t classes = 2;
  for (int32_t l : labels) classes = std::max<int64_t>(classes, l + 1);
  auto data = std::make_shared<InMemoryDataset>("csv:" + path, Shape{columns - 1}, classes,
                                                std::move(values), std::move(labels));
  return {data, data};
}

}  // namespace twb
