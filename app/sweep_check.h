#pragma once

#include <QByteArray>
#include <QString>
#include <QStringList>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <vector>

#include "remote/multi_node_dispatcher.h"
#include "remote/node_jobs.h"
#include "sweep/sweep_plan.h"

namespace twb::app {

// One dry run of a sweep's trial, as the Job tab checks a sweep: on one node, or across the
// nodes the trial's job names (a data-parallel trial).
struct TrialCheck {
  size_t trial = 0;
  QByteArray job;
  QString node;
  std::shared_ptr<remote::NodeEndpoint> endpoint;  // the caller's to give, as across's
  QString jobFolder;                    // where the node resolves relative paths; empty: its own
  std::vector<remote::JobNode> across;  // not empty: checked across these instead
};

// Which trials to check on which node, as `twb-engine client sweep` does before it submits:
// on the first of `nodes` every trial of a sweep of up to kEveryTrialCheckedUpTo (a check takes
// about 50 ms on a node that has read the data before), else the trials that together try every
// swept value; on each other node the first trial (what differs between nodes: data, devices,
// the engine's build). The checks name their nodes; the caller gives them their endpoints.
inline constexpr size_t kEveryTrialCheckedUpTo = 32;
std::vector<TrialCheck> planTrialChecks(const SweepPlan& plan, const QStringList& nodes);

// Runs the checks in order, blocking (a worker thread's); the first problem ends them, said as
// its trial's, "trial 5 of 6 (optimizer.lr=10, precision=fp32) on node b: optimizer.lr: ...",
// at the field of the sweep block that gave the trial the value the problem is about. All
// passing: the first check's answer, its summary with "trials" (the sweep's) and
// "trials_checked". `checked(done)` is called before each check and after the last; when it
// answers false the checks stop there, answered as stopped (a failure no one waits for).
remote::JobValidation runTrialChecks(const std::vector<TrialCheck>& checks, const SweepPlan& plan,
                                     const nlohmann::json& job,
                                     const std::function<bool(int done)>& checked);

}  // namespace twb::app
