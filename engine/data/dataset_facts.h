#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "data/dataset.h"

namespace twb {

// Opens datasets for job checks (a node's ValidateJob, which the workbench asks at each edit of a
// job) and keeps their facts (name, size, sample shape, classes and their names, default
// normalization, bytes held: what a check reads; their read() throws) while the files they were
// read from keep their names, sizes and modification times. The forms read whole when opened
// (datasetFilesReadWhole) cost a pass over all their data otherwise, 0.3 s to inflate
// Fashion-MNIST's training images; the others are opened each time, as openDataset does.
// Safe to call from several threads.
class DatasetFactsCache {
 public:
  DatasetSplits open(const std::string& spec, const Shape& modelInput = {});
  DatasetOpener opener() {
    return [this](const std::string& spec, const Shape& input) { return open(spec, input); };
  }

 private:
  struct Entry {
    std::string fingerprint;
    DatasetSplits facts;
  };
  std::mutex m_mutex;
  std::map<std::string, Entry> m_entries;  // by spec
};

}  // namespace twb
