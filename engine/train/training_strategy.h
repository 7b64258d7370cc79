#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/rank_collective.h"
#include "exec/parameter_store.h"
#include "graph/graph.h"
#include "train/optimizer.h"

namespace twb {

// What a parallel strategy (dist/) adds to train()'s loop. The loop stays the single-process
// one; a strategy keeps the ranks in step: same starting weights, gradients averaged over ranks
// before each optimizer step, statistics summed, and a stop agreed by all.
// Deferred optimizer updates (TrainingStrategy::defersUpdates) run since the last look: when the
// first began and how long they took together, waits for their gradients left out.
struct DeferredUpdates {
  double firstStartUs = 0, ms = 0;
};

// Mean times of one rank's steps since the last step event.
struct StepWindow {
  double stepMs = 0, dataMs = 0, computeMs = 0;
  int64_t steps = 1;
};

class TrainingStrategy {
 public:
  virtual ~TrainingStrategy() = default;
  virtual int rank() const = 0;
  virtual int ranks() const = 0;
  // The ranks synchronized BatchNorm normalises over (the job asked for it); null: every rank
  // normalises with its own share's statistics, as PyTorch's DDP does.
  virtual RankCollective* batchNormRanks() = 0;

  // Before anything is loaded: where every rank resumes from. Rank 0 decides: its checkpoint
  // (`checkpoint`, empty when it starts afresh) is shared with the ranks that lack it (ranks on
  // other machines), written under `scratchFolder`; returns the file this rank loads, or "".
  virtual std::string shareResumePoint(const std::string& checkpoint,
                                       const std::string& scratchFolder) = 0;
  // Before an executor binds the gradients: lays them out the way the strategy reduces them.
  virtual void arrangeGradients(ParameterStore& params, const Graph& graph) = 0;
  // Before the first step, once weights are initialised or loaded: every rank takes rank 0's.
  // `graph` is the training graph whose backward order the gradients follow. `optimizer`, when
  // given, may be left to the strategy (defersUpdates()).
  virtual void start(ParameterStore& params, const Graph& graph, Optimizer* optimizer) = 0;
  // Whether the strategy runs the optimizer itself: then a step's gradients are averaged while
  // the next step begins, and a parameter is updated just before the next forward reads it.
  virtual bool defersUpdates() const = 0;
  // Before node `node`'s forward: with deferred updates, its parameters are made current.
  virtual void parametersNeeded(size_t node) = 0;
  // After node `node`'s backward: its parameters' gradients are final.
  virtual void gradientsReady(size_t node) = 0;
  // After backward. Without deferred updates, waits until every gradient is the mean over the
  // ranks, ready for the caller's optimizer step at `lr`; with them, leaves the step to finish
  // while the next one starts. Checks that every rank runs the same model and returns whether
  // the ranks agreed to stop (with deferred updates, as asked one step earlier).
  virtual bool finishStep(bool stopRequested, float lr) = 0;
  // After finishStep() without deferred updates: the parameters the caller's optimizer step
  // leaves as they are, with their state, because their mean gradients are unusable this step
  // (fp16 on the wire overflowed), as mixed-precision training skips such a step.
  virtual const std::vector<const Parameter*>& heldBack() const = 0;
  // Completes the deferred updates: the parameters are the step's (before evaluating or saving).
  virtual void flush() = 0;
  // The deferred updates run since the last call (for the profile's optimizer row).
  virtual DeferredUpdates takeDeferredUpdates() = 0;
  // Sums `values` over the ranks, in place (losses, counts).
  virtual void sum(std::vector<double>& values) = 0;
  // The communication of the steps since the last report, for the step event ("comm_ms",
  // "exposed_comm_ms", "bytes_sent", and "ranks": one entry per rank with its step times, on
  // every rank). Every rank calls it at the same steps: it is a collective.
  virtual nlohmann::json report(const StepWindow& local) = 0;
  // Every rank's all-reduces of the step just finished, for its profile: {"rank", "bucket",
  // "start_ms" (from the rank's own step start at `stepStartUs`), "ms", "bytes"}. A collective,
  // called by every rank at the same (profiled) steps.
  virtual nlohmann::json stepCommunication(double stepStartUs) = 0;
};

}  // namespace twb
