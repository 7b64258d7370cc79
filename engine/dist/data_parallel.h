#pragma once

#include <memory>

#include "dist/communicator.h"
#include "dist/gradient_reducer.h"
#include "train/event_log.h"
#include "train/job_config.h"
#include "train/training_strategy.h"

namespace twb {

// Data parallelism in the style of PyTorch's DDP: ranks start from rank 0's weights, each trains
// on its shard of the batch, and gradients are averaged in fused buckets whose all-reduces
// overlap backward. Bucket size and stream count left "auto" in the job are tried during the
// first steps; rank 0's fastest choice is broadcast and announced as a `comm_tuned` event.
class DataParallelTraining : public TrainingStrategy {
 public:
  // `statistics`: the ranks synchronized BatchNorm gathers from (a communicator of its own, used
  // while `comm` reduces gradients); null when BatchNorm keeps per-rank statistics.
  DataParallelTraining(std::unique_ptr<Communicator> comm, const ParallelConfig& config,
                       EventLog& events, std::unique_ptr<Communicator> statistics = nullptr);
  ~DataParallelTraining() override;

  int rank() const override { return m_comm->rank(); }
  int ranks() const override { return m_comm->size(); }
  RankCollective* batchNormRanks() override { return m_statistics.get(); }
  std::string shareResumePoint(const std::string& checkpoint,
                               const std::string& scratchFolder) override;
  void start(ParameterStore& params, const Graph& graph) override;
  void gradientsReady(size_t node) override { m_reducer.gradientsReady(node); }
  bool finishStep(bool stopRequested) override;
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

  std::unique_ptr<Communicator> m_comm, m_statistics;
  ParallelConfig m_config;
  EventLog& m_events;
  GradientReducer m_reducer;
  ParameterStore* m_params = nullptr;
  const Graph* m_graph = nullptr;
  uint32_t m_fingerprint = 0;  // of the bucket layout every rank must share
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
