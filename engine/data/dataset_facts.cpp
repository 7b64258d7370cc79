#include "data/dataset_facts.h"

#include <algorithm>
#include <filesystem>

#include "core/error.h"

namespace twb {

namespace {
namespace fs = std::filesystem;

// What checking a job reads of a dataset, without its samples.
class FactsOnlyDataset final : public Dataset {
 public:
  explicit FactsOnlyDataset(const Dataset& d)
      : m_name(d.name()),
        m_size(d.size()),
        m_shape(d.sampleShape()),
        m_classes(d.classes()),
        m_normalization(d.defaultNormalization()),
        m_readsFiles(d.readsFiles()),
        m_classNames(d.classNames()),
        m_heldBytes(d.heldBytes()) {}

  std::string name() const override { return m_name; }
  int64_t size() const override { return m_size; }
  Shape sampleShape() const override { return m_shape; }
  int64_t classes() const override { return m_classes; }
  int32_t read(int64_t, float*) const override {
    throw Error(m_name + ": only its facts are kept for checking jobs; open it to read samples");
  }
  Normalization defaultNormalization() const override { return m_normalization; }
  bool readsFiles() const override { return m_readsFiles; }
  std::vector<std::string> classNames() const override { return m_classNames; }
  int64_t heldBytes() const override { return m_heldBytes; }

 private:
  std::string m_name;
  int64_t m_size;
  Shape m_shape;
  int64_t m_classes;
  Normalization m_normalization;
  bool m_readsFiles;
  std::vector<std::string> m_classNames;
  int64_t m_heldBytes;
};

std::string stamp(const fs::directory_entry& entry) {
  std::error_code ec;
  const auto size = entry.is_regular_file(ec) ? entry.file_size(ec) : 0;
  const auto time = entry.last_write_time(ec).time_since_epoch().count();
  return entry.path().string() + ':' + std::to_string(size) + ':' + std::to_string(time) + '\n';
}

// The names, sizes and modification times of the files (and of a folder's files) `spec` reads
// whole; empty when it reads none, or one is missing (opening it says so).
std::string fingerprint(const std::string& spec) {
  std::string print;
  for (const std::string& path : datasetFilesReadWhole(spec)) {
    std::error_code ec;
    const fs::directory_entry top(path, ec);
    if (ec || !top.exists(ec)) return {};
    print += stamp(top);
    if (!top.is_directory(ec)) continue;
    std::vector<std::string> inside;
    for (const auto& entry : fs::directory_iterator(path, ec)) inside.push_back(stamp(entry));
    if (ec) return {};
    std::sort(inside.begin(), inside.end());
    for (const std::string& line : inside) print += line;
  }
  return print;
}

std::shared_ptr<Dataset> factsOf(const Dataset& dataset) {
  return std::make_shared<FactsOnlyDataset>(dataset);
}
}  // namespace

DatasetSplits DatasetFactsCache::open(const std::string& spec, const Shape& modelInput) {
  const std::string print = fingerprint(spec);
  if (print.empty()) return openDataset(spec, modelInput);
  // Only image folders, never kept, read to the model's input: the spec is the key.
  {
    std::lock_guard lock(m_mutex);
    if (const auto found = m_entries.find(spec);
        found != m_entries.end() && found->second.fingerprint == print)
      return found->second.facts;
  }
  const DatasetSplits opened = openDataset(spec, modelInput);  // throws: nothing kept
  DatasetSplits facts{factsOf(*opened.train),
                      opened.test == opened.train ? nullptr : factsOf(*opened.test)};
  if (!facts.test) facts.test = facts.train;
  constexpr size_t kMostKept = 32;  // facts are small; a bound all the same
  std::lock_guard lock(m_mutex);
  if (m_entries.size() >= kMostKept) m_entries.clear();
  m_entries[spec] = {print, facts};
  return facts;
}

}  // namespace twb
