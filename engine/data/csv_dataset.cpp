#include "data/csv_dataset.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <optional>

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

// One row of a CSV file as numbers: its features and its label.
struct CsvRow {
  std::vector<float> features;
  int32_t label = 0;
};

// Reads rows in order: the first row whose cells are not all numbers, before any other, is the
// header (it names columns in errors); every other row must be numbers, as many as the first.
class CsvReader {
 public:
  explicit CsvReader(std::string path) : m_path(std::move(path)) {}

  // The row on line `lineNumber`, or nullopt for the header. Throws naming line and column.
  std::optional<CsvRow> next(const std::string& line, int64_t lineNumber) {
    const std::vector<std::string> cells = splitCells(line, where(lineNumber));
    if (m_columns < 0) {
      double ignored = 0;
      if (!std::all_of(cells.begin(), cells.end(),
                       [&](const std::string& c) { return parseNumber(c, ignored); })) {
        m_header = cells;
        m_columns = static_cast<int64_t>(cells.size());
        return std::nullopt;
      }
      m_columns = static_cast<int64_t>(cells.size());
    }
    return numbers(cells, lineNumber);
  }

  // A row read again after the whole file was read once.
  CsvRow reread(const std::string& line, int64_t lineNumber) const {
    return numbers(splitCells(line, where(lineNumber)), lineNumber);
  }

  int64_t columns() const { return m_columns; }

 private:
  std::string where(int64_t lineNumber) const { return m_path + ":" + std::to_string(lineNumber); }

  CsvRow numbers(const std::vector<std::string>& cells, int64_t lineNumber) const {
    const std::string at = where(lineNumber);
    std::vector<double> row(cells.size());
    for (size_t i = 0; i < cells.size(); ++i)
      if (!parseNumber(cells[i], row[i]) || !std::isfinite(static_cast<float>(row[i])))
        throw Error(at + ": column " + std::to_string(i + 1) +
                    (i < m_header.size() ? " ('" + m_header[i] + "')" : std::string()) + ": '" +
                    cells[i] + "' is not a finite number");
    if (cells.size() < 2) throw Error(at + ": needs at least one feature and a label");
    if (static_cast<int64_t>(cells.size()) != m_columns)
      throw Error(at + ": has " + std::to_string(cells.size()) + " columns, expected " +
                  std::to_string(m_columns));
    const double label = row.back();
    if (!(label >= 0 && label < kMaxCsvClasses) || label != std::floor(label))
      throw Error(at + ": label " + cells.back() + " is not a class index (an integer from 0 to " +
                  std::to_string(kMaxCsvClasses - 1) + ")");
    CsvRow out;
    out.label = static_cast<int32_t>(label);
    for (size_t i = 0; i + 1 < row.size(); ++i) out.features.push_back(static_cast<float>(row[i]));
    return out;
  }

  std::string m_path;
  std::vector<std::string> m_header;
  int64_t m_columns = -1;
};

// The rows stream from disk: the file is checked whole at open, keeping where each row lies and
// its label; a read parses its row again (pread: the data loader's workers read at once).
class CsvFileDataset : public Dataset {
 public:
  explicit CsvFileDataset(const std::string& path) : m_path(path), m_reader(path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open");
    std::string line;
    int64_t lineNumber = 0;
    for (int64_t start = 0; std::getline(in, line); start = in.tellg()) {
      ++lineNumber;
      const size_t length = line.size();
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (trimmed(line).empty()) continue;
      const std::optional<CsvRow> row = m_reader.next(line, lineNumber);
      if (!row) continue;
      m_rows.push_back({start, static_cast<uint32_t>(length), lineNumber});
      m_labels.push_back(row->label);
      m_classes = std::max<int64_t>(m_classes, row->label + 1);
    }
    if (m_rows.empty()) throw Error(path + ": holds no rows");
    m_file = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_file < 0) throw Error(path + ": cannot open");
  }
  ~CsvFileDataset() override { ::close(m_file); }
  CsvFileDataset(const CsvFileDataset&) = delete;
  CsvFileDataset& operator=(const CsvFileDataset&) = delete;

  std::string name() const override { return "csv:" + m_path; }
  int64_t size() const override { return static_cast<int64_t>(m_rows.size()); }
  Shape sampleShape() const override { return {m_reader.columns() - 1}; }
  int64_t classes() const override { return m_classes; }
  bool readsFiles() const override { return true; }

  int32_t read(int64_t index, float* out) const override {
    const Row& row = m_rows[static_cast<size_t>(index)];
    std::string line(row.length, '\0');
    for (size_t done = 0; done < line.size();) {
      const ssize_t got = ::pread(m_file, line.data() + done, line.size() - done,
                                  static_cast<off_t>(row.offset + static_cast<int64_t>(done)));
      if (got <= 0)
        throw Error(m_path + ":" + std::to_string(row.line) + ": cannot read the row again" +
                    (got == 0 ? " (the file became shorter)" : ""));
      done += static_cast<size_t>(got);
    }
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const CsvRow parsed = m_reader.reread(line, row.line);
    if (parsed.label != m_labels[static_cast<size_t>(index)])
      throw Error(m_path + ":" + std::to_string(row.line) + ": the row changed since it was read");
    std::copy(parsed.features.begin(), parsed.features.end(), out);
    return parsed.label;
  }

 private:
  struct Row {
    int64_t offset;
    uint32_t length;
    int64_t line;
  };
  std::string m_path;
  CsvReader m_reader;
  std::vector<Row> m_rows;
  std::vector<int32_t> m_labels;
  int64_t m_classes = 2;
  int m_file = -1;
};

}  // namespace

DatasetSplits openCsv(const std::string& path) {
  auto data = std::make_shared<CsvFileDataset>(path);
  return {data, data};
}

}  // namespace twb
