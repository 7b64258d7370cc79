#pragma once

#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "core/memory_need.h"
#include "data/dataset.h"

namespace twb {

// Training-time augmentation of (C, H, W) images, drawn per sample from (seed, epoch, index)
// so a resumed epoch sees the same crops and flips.
struct Augmentation {
  int64_t cropPadding = 0;  // random crop after zero-padding each side by this many pixels
  bool flip = false;        // horizontal flip with probability 1/2
  bool any() const { return cropPadding > 0 || flip; }
};

struct DataLoaderOptions {
  int64_t batch = 64;
  bool shuffle = true;
  bool dropLast = true;  // training drops the ragged last batch; evaluation keeps it
  uint64_t seed = 0;
  Normalization normalization;
  Augmentation augmentation;
  // Data-parallel ranks: global batch k of an epoch's permutation is split into shardCount
  // consecutive parts of `batch` samples, and this loader delivers part shardIndex. The ranks
  // share the seed, so their shards are disjoint and together are the single-process batches
  // of batch * shardCount samples.
  int64_t shardIndex = 0;
  int64_t shardCount = 1;
  // Threads assembling batches, each a whole batch at a time; 0: one for data in memory, one per
  // core this process may run on for datasets that decode files (Dataset::readsFiles).
  int64_t workers = 0;
};

// The batches a loader of `dataset` holds at once (two per worker), counted before it makes them.
MemoryNeed batchesInFlight(const Dataset& dataset, const DataLoaderOptions& options);

// Batches of a dataset, assembled ahead by worker threads (batch k by worker k mod workers, two
// batches in flight per worker) into buffers allocated once. The order of an epoch is a permutation
// drawn from (seed, epoch), so an epoch can be restarted at any batch and gives the same batches as
// an uninterrupted run.
class DataLoader {
 public:
  DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options);
  ~DataLoader();
  DataLoader(const DataLoader&) = delete;
  DataLoader& operator=(const DataLoader&) = delete;

  int64_t batchesPerEpoch() const;
  const Dataset& dataset() const { return *m_dataset; }

  // Starts delivering epoch `epoch` from batch `firstBatch`.
  void start(int64_t epoch, int64_t firstBatch = 0);
  // Copies the next batch into `samples` (batch x sample floats) and `labels`; returns the number
  // of samples, 0 when the epoch is over. Rethrows an error of a worker.
  int64_t next(float* samples, int32_t* labels);

 private:
  struct Slot {
    std::vector<float> samples;
    std::vector<int32_t> labels;
    int64_t count = 0;
    bool ready = false;
  };
  void stop();
  void produce(int64_t worker, int64_t firstBatch);
  void fill(Slot& slot, int64_t batchIndex, std::vector<float>& raw);
  // Crops and flips one raw sample into `out`.
  void augment(int64_t sampleIndex, const std::vector<float>& raw, float* out) const;

  std::shared_ptr<const Dataset> m_dataset;
  DataLoaderOptions m_options;
  int64_t m_sampleSize;
  std::vector<int64_t> m_order;
  int64_t m_epoch = 0;
  std::vector<Slot> m_slots;              // batch k goes to slot k mod size
  std::vector<std::vector<float>> m_raw;  // per worker: one sample before augmentation
  int64_t m_consumed = 0;                 // batches handed out since start()
  int64_t m_total = 0;                    // batches this start() will deliver
  bool m_stopping = false;
  std::exception_ptr m_error;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::vector<std::thread> m_workers;
};

}  // namespace twb
