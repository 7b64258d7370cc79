#include "data/data_loader.h"

#include <cstring>

#include "core/cpu_info.h"
#include "core/error.h"
#include "core/memory_need.h"
#include "core/random.h"

namespace twb {

namespace {
int64_t workerCount(const Dataset& dataset, const DataLoaderOptions& options) {
  if (options.workers > 0) return options.workers;
  return dataset.readsFiles() ? std::max<int64_t>(1, static_cast<int64_t>(allowedCores().size()))
                              : 1;
}
}  // namespace

MemoryNeed batchesInFlight(const Dataset& dataset, const DataLoaderOptions& options) {
  const int64_t workers = workerCount(dataset, options);
  MemoryNeed need("the data loader's " + std::to_string(2 * workers) + " batches in flight");
  need.add(
      static_cast<size_t>(2 * workers * options.batch) *
          (sizeof(float) * static_cast<size_t>(numel(dataset.sampleShape())) + sizeof(int32_t)),
      "batches of " + std::to_string(options.batch) + " x " + toString(dataset.sampleShape()));
  return need;
}

DataLoader::DataLoader(std::shared_ptr<const Dataset> dataset, DataLoaderOptions options)
    : m_dataset(std::move(dataset)),
      m_options(std::move(options)),
      m_sampleSize(numel(m_dataset->sampleShape())) {
  if (m_options.batch <= 0) throw Error("batch must be > 0");
  if (m_options.shardCount < 1 || m_options.shardIndex < 0 ||
      m_options.shardIndex >= m_options.shardCount)
    throw Error("shard " + std::to_string(m_options.shardIndex) + " of " +
                std::to_string(m_options.shardCount) + " does not exist");
  if (m_options.shardCount > 1 && !m_options.dropLast)
    throw Error("sharded loading drops the ragged last batch");
  try {
    checkNormalizationFits(m_options.normalization, *m_dataset);
  } catch (const Error& e) {
    throw e.within("normalization");
  }
  // Every batch in flight is held (and written) at once: checked before any is made.
  const int64_t workers = workerCount(*m_dataset, m_options);
  batchesInFlight(*m_dataset, m_options)
      .checkAvailable("give a smaller batch, or fewer threads (each of the loader's " +
                      std::to_string(workers) + " threads holds two batches)");
  m_raw.resize(static_cast<size_t>(workers));
  m_slots.resize(static_cast<size_t>(2 * workers));
  for (auto& slot : m_slots) {
    slot.samples.resize(static_cast<size_t>(m_options.batch * m_sampleSize));
    slot.labels.resize(static_cast<size_t>(m_options.batch));
  }
  m_order.resize(static_cast<size_t>(m_dataset->size()));
  if (m_options.augmentation.any()) {
    if (m_dataset->sampleShape().size() != 3)
      throw Error("augmentation needs (C, H, W) images; " + m_dataset->name() + " has samples of " +
                  toString(m_dataset->sampleShape()));
    for (auto& raw : m_raw) raw.resize(static_cast<size_t>(m_sampleSize));
  }
}

DataLoader::~DataLoader() { stop(); }

int64_t DataLoader::batchesPerEpoch() const {
  const int64_t n = m_dataset->size(), b = m_options.batch * m_options.shardCount;
  return m_options.dropLast ? n / b : (n + b - 1) / b;
}

void DataLoader::stop() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  for (auto& worker : m_workers) worker.join();
  m_workers.clear();
}

void DataLoader::start(int64_t epoch, int64_t firstBatch) {
  stop();
  for (size_t i = 0; i < m_order.size(); ++i) m_order[i] = static_cast<int64_t>(i);
  if (m_options.shuffle) {  // Fisher-Yates with the epoch's own generator
    Random random(mixSeed(m_options.seed, static_cast<uint64_t>(epoch), 0xda7a));
    for (size_t i = m_order.size(); i > 1; --i) std::swap(m_order[i - 1], m_order[random.below(i)]);
  }
  m_consumed = 0;
  m_epoch = epoch;
  m_total = std::max<int64_t>(0, batchesPerEpoch() - firstBatch);
  m_stopping = false;
  m_error = nullptr;
  for (auto& slot : m_slots) slot.ready = false;
  for (size_t w = 0; w < m_raw.size(); ++w)
    m_workers.emplace_back([this, w, firstBatch] { produce(static_cast<int64_t>(w), firstBatch); });
}

void DataLoader::augment(int64_t sampleIndex, const std::vector<float>& raw, float* out) const {
  const Shape& shape = m_dataset->sampleShape();
  const int64_t channels = shape[0], height = shape[1], width = shape[2];
  const auto& a = m_options.augmentation;
  Random random(mixSeed(m_options.seed, static_cast<uint64_t>(m_epoch) * 0x9e37 + 1,
                        static_cast<uint64_t>(sampleIndex)));
  const int64_t span = 2 * a.cropPadding + 1;
  const int64_t dy = a.cropPadding ? static_cast<int64_t>(random.below(span)) - a.cropPadding : 0;
  const int64_t dx = a.cropPadding ? static_cast<int64_t>(random.below(span)) - a.cropPadding : 0;
  const bool flip = a.flip && random.below(2);
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x) {
        const int64_t sy = y + dy, sx = (flip ? width - 1 - x : x) + dx;
        const bool inside = sy >= 0 && sy < height && sx >= 0 && sx < width;
        out[(c * height + y) * width + x] = inside ? raw[(c * height + sy) * width + sx] : 0.f;
      }
}

void DataLoader::fill(Slot& slot, int64_t batchIndex, std::vector<float>& raw) {
  const int64_t begin =
      (batchIndex * m_options.shardCount + m_options.shardIndex) * m_options.batch;
  slot.count = std::min<int64_t>(m_options.batch, m_dataset->size() - begin);
  for (int64_t i = 0; i < slot.count; ++i) {
    float* x = slot.samples.data() + i * m_sampleSize;
    const int64_t index = m_order[begin + i];
    int32_t label;
    if (m_options.augmentation.any()) {
      label = m_dataset->read(index, raw.data());
      augment(index, raw, x);
    } else {
      label = m_dataset->read(index, x);
    }
    if (label < 0 || label >= m_dataset->classes())
      throw Error(m_dataset->name() + ": sample " + std::to_string(index) + " has label " +
                  std::to_string(label) + ", outside [0, " + std::to_string(m_dataset->classes()) +
                  ")");
    slot.labels[i] = label;
    normalizeSample(m_options.normalization, x, m_sampleSize);
  }
}

void DataLoader::produce(int64_t worker, int64_t firstBatch) {
  // The slot of batch b held batch b - slots before, which this same worker filled: once the
  // consumer has taken it, the slot is free for b.
  const auto workers = static_cast<int64_t>(m_raw.size());
  const auto slots = static_cast<int64_t>(m_slots.size());
  try {
    for (int64_t b = worker; b < m_total; b += workers) {
      Slot& slot = m_slots[b % slots];
      {
        std::unique_lock lock(m_mutex);
        m_changed.wait(lock, [&] { return m_stopping || !slot.ready; });
        if (m_stopping) return;
      }
      fill(slot, firstBatch + b, m_raw[worker]);
      {
        std::lock_guard lock(m_mutex);
        slot.ready = true;
      }
      m_changed.notify_all();
    }
  } catch (...) {
    std::lock_guard lock(m_mutex);
    m_error = std::current_exception();
    m_changed.notify_all();
  }
}

int64_t DataLoader::next(float* samples, int32_t* labels) {
  if (m_consumed >= m_total) return 0;
  Slot& slot = m_slots[m_consumed % m_slots.size()];
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return slot.ready || m_error; });
  if (!slot.ready) std::rethrow_exception(m_error);
  lock.unlock();
  std::memcpy(samples, slot.samples.data(), sizeof(float) * slot.count * m_sampleSize);
  std::memcpy(labels, slot.labels.data(), sizeof(int32_t) * slot.count);
  const int64_t count = slot.count;
  lock.lock();
  slot.ready = false;
  ++m_consumed;
  lock.unlock();
  m_changed.notify_all();
  return count;
}

}  // namespace twb
