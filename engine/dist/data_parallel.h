#pragma once

#include <memory>
#include <utility>

#include "dist/communicator.h"
#include "dist/gradient_reducer.h"
#include "train/event_log.h"
#include "train/job_config.h"
#include "train/training_strategy.h"

namespace twb {

// Data parallelism in the style of PyTorch's DDP: ranks start from rank 0's weights, each trains
// on its shard of the batch, and gradients are averaged in fused buckets whose all-reduces
// overlap backward. With "overlap_forward" they also overlap the next step's data loading and
// forward: each bucket's optimizer update waits until forward reaches its first layer, and the
// buckets backward leaves unsent go first layers first (the order is agreed through rank 0's
// measurements, so every rank sends the same). Bucket size and stream count left "auto" in the
// job are tried during the first steps; rank 0's fastest choice is broadcast and announced as a
// `comm_tuned` event.
class DataParallelTraining : public TrainingStrategy {
 public:
  // `statistics`: the ranks synchronized BatchNorm gathers from (a collective of its own, used
  // while `comm` reduces gradients); null when BatchNorm keeps per-rank statistics.
  DataParallelTraining(std::unique_ptr<Communicator> comm, const ParallelConfig& config,
                       EventLog& events, std::unique_ptr<RankCollective> statistics = nullptr);
  ~DataParallelTraining() override;

  int rank() const override { return m_comm->rank(); }
  int ranks() const override { return m_comm->size(); }
  RankCollective* batchNormRanks() override { return m_statistics.get(); }
  std::string shareResumePoint(const std::string& checkpoint,
                               const std::string& scratchFolder) override;
  void arrangeGradients(ParameterStore& params, const Graph& graph) override;
  void start(ParameterStore& params, const Graph& graph, Optimizer* optimizer) override;
  bool defersUpdates() const override { return m_optimizer != nullptr; }
  void parametersNeeded(size_t node) override;
  void gradientsReady(size_t node) override { m_reducer.gradientsReady(node); }
  bool finishStep(bool stopRequested, float lr) override;
  const std::vector<const Parameter*>& heldBack() const override { return m_heldBack; }
  void flush() override;
  DeferredUpdates takeDeferredUpdates() override { return std::exchange(m_updates, {}); }
  void sum(std::vector<double>& values) override;
  nlohmann::json report(const StepWindow& local) override;
  nlohmann::json stepCommunication(double stepStartUs) override;

  const Communicator& communicator() const { return *m_comm; }

 private:
  struct Setting {
    size_t bucketBytes;
    int streams;
  };
  void apply(const Setting& setting);
  // Times the step that just ended for the setting on trial; after the last trial, adopts rank
  // 0's fastest.
  void tune();
  // Throws unless every rank's `signature` (of its parameters' names and shapes) is rank 0's.
  void checkSameModel(uint32_t signature);
  // Deferred updates: bucket `index`'s parameters, once averaged, through the optimizer
  // (`byForward`: the next forward needs them now).
  void update(size_t index, bool byForward);
  // Whether bucket `index`'s gradients overflowed fp16 on the wire this step; when they did,
  // says so in a warning: its parameters skip the step's update.
  bool overflowed(size_t index);
  void updateAll();
  // Waits for the step's control all-reduce (see finishStep) and acts on its result.
  void readControl();

  std::unique_ptr<Communicator> m_comm;
  std::unique_ptr<RankCollective> m_statistics;
  ParallelConfig m_config;
  EventLog& m_events;
  GradientReducer m_reducer;
  ParameterStore* m_params = nullptr;
  const Graph* m_graph = nullptr;
  uint32_t m_fingerprint = 0;  // of the bucket layout every rank must share
  // The per-step all-reduce, after the step's buckets: stop asked, the fingerprint's two 12-bit
  // halves (they sum exactly in f32), and rank 0's suggested bucket order cutoff.
  float m_control[4] = {};
  float m_sentFingerprint[2] = {};
  bool m_controlUnread = false, m_stopAgreed = false;
  // Deferred updates: the optimizer, each bucket's parameters' state indices, the pending step's
  // learning rate and which of its buckets are updated.
  Optimizer* m_optimizer = nullptr;
  std::vector<std::vector<size_t>> m_stateIndices;
  float m_pendingLr = 0;
  bool m_pending = false;
  std::vector<char> m_updated;
  DeferredUpdates m_updates;
  std::vector<const Parameter*> m_heldBack;  // without deferred updates: see heldBack()
  std::vector<Setting> m_trials;
  std::vector<double> m_trialSeconds;
  size_t m_trial = 0;
  int64_t m_trialSteps = 0;
  double m_lastStepEndUs = 0;
  Setting m_setting{0, 1};
  uint64_t m_reportedBytes = 0;
};

// Throws, at the job's "parallel.interface" field, when this host lacks the interface the job
// names; nothing to check when it names none.
void checkParallelInterface(const ParallelConfig& config);

}  // namespace twb
