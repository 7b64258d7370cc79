#pragma once

#include <atomic>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "cli/job_across_nodes.h"
#include "rpc/node_client.h"
#include "sweep/median_stopping_rule.h"
#include "sweep/sweep_plan.h"

namespace twb {

// How one trial of a sweep ended.
struct TrialOutcome {
  int trial = 0;
  std::string node, jobId;
  std::string state =
      "not started";   // succeeded | failed | cancelled | stopped early | not started
  std::string reason;  // why it failed or was stopped
  int64_t steps = 0;   // of its last step event
  double loss = std::numeric_limits<double>::quiet_NaN();  // its last step event's
  double testAccuracy = std::numeric_limits<double>::quiet_NaN();
  // The mean of its step events' training throughput (all ranks'), as the workbench's Compare.
  double samplesPerS = std::numeric_limits<double>::quiet_NaN();
};

// The nodes of `twb-engine client --node ...` for a sweep: NAME=ADDRESS, or a bare address that
// names itself.
std::vector<NodeTarget> sweepTargets(const std::vector<std::string>& nodeOptions);

// Runs a sweep's trials on nodes' daemons: at most `concurrency` at once, each submitted to the
// node running the fewest of them, followed to its end, and cancelled when the median rule says
// it is hopeless.
class SweepRunner {
 public:
  // `jobFolder`: where the nodes of this machine resolve the trials' relative paths.
  SweepRunner(std::vector<NodeTarget> nodes, NodeAccess access, std::string jobFolder);

  // The checks the workbench's Job tab makes before it starts a sweep, each one error rather
  // than a failed trial after another. Throws "--node NAME: ..." when a node does not answer.
  void checkNodesAnswer() const;
  // Throws the node's reasons, naming the trial and its values, when the first node refuses a
  // trial (a misspelt path, `optimizer.lrr`, fails every trial alike; a value, batch 0, one) or
  // another node refuses the first trial (its data, devices or build). `checked(done, total)`
  // comes before each dry run and after the last; false stops them (Ctrl-C), returned then.
  bool checkTrials(const SweepPlan& plan,
                   const std::function<bool(size_t done, size_t total)>& checked) const;

  // `onEnded` is called once per trial as it ends, one call at a time. With `stop` set, running
  // trials are cancelled and the rest are not started.
  std::vector<TrialOutcome> run(const SweepPlan& plan,
                                const std::function<void(const TrialOutcome&)>& onEnded,
                                const std::atomic<bool>* stop);

 private:
  TrialOutcome runTrial(const SweepTrial& trial, const NodeTarget& node, MedianStoppingRule& rule,
                        const std::atomic<bool>* stop);

  std::vector<NodeTarget> m_nodes;
  NodeAccess m_access;
  std::string m_jobFolder;
};

}  // namespace twb
