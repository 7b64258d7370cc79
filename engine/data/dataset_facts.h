#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "data/dataset.h"

namespace twb {

// A dataset's facts without its samples: what checking a job reads of it (name, size, sample
// shape, classes and their names, default normalization). Its read() throws.
std::shared_ptr<Dataset> datasetFacts(const Dataset& dataset);

// Opens datasets for job checks (a node's ValidateJob, which the workbench asks at each edit of a
// job) and keeps their facts while the files they were read from stay as they were: the same
// names, sizes and modification times. The forms read whole when opened (datasetFilesReadWhole)
// cost a pass over all their data otherwise, 0.3 s to inflate Fashion-MNIST's training images;
// the others are opened each time, as openDataset does. Safe to call from several threads.
class DatasetFactsCache {
 public:
  DatasetSplits open(const std::string& spec, const Shape& modelInput = {});

 private:
  struct Entry {
    std::string fingerprint;
    DatasetSplits facts;
  };
  std::mutex m_mutex;
  std::map<std::string, Entry> m_entries;  // by spec
};

}  // namespace twb
