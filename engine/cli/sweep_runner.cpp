#include "cli/sweep_runner.h"

#include <algorithm>
#include <mutex>
#include <nlohmann/json.hpp>
#include <thread>

#include "core/error.h"
#include "rpc/node_client.h"

namespace twb {

namespace v1 = node::v1;

std::vector<NodeTarget> sweepTargets(const std::vector<std::string>& nodeOptions) {
  std::vector<NodeTarget> targets;
  for (const std::string& option : nodeOptions) {
    // "unix:/p=q" and "tcp:h:1" are addresses; "name=unix:..." names one.
    const size_t equals = option.find('=');
    const bool named = equals != std::string::npos && option.rfind("unix:", 0) != 0 &&
                       option.rfind("tcp:", 0) != 0;
    targets.push_back({named ? option.substr(0, equals) : option,
                       NodeAddress::parse(named ? option.substr(equals + 1) : option)});
  }
  return targets;
}

SweepRunner::SweepRunner(std::vector<NodeTarget> nodes, NodeAccess access, std::string jobFolder)
    : m_nodes(std::move(nodes)), m_access(std::move(access)), m_jobFolder(std::move(jobFolder)) {
  if (m_nodes.empty()) throw Error("--node: a sweep needs at least one node");
}

void SweepRunner::checkNodesAnswer() const {
  for (const NodeTarget& node : m_nodes) {
    try {
      NodeClient(node.address, m_access.token, m_access.pins).info();
    } catch (const std::exception& e) {
      throw Error("--node " + node.name + ": " + e.what());
    }
  }
}

bool SweepRunner::checkTrials(const SweepPlan& plan,
                              const std::function<bool(size_t done, size_t total)>& checked) const {
  // Every trial on the first node (a value one trial alone has, batch 0, fails there), and the
  // first on each other node (what differs between nodes: data, devices, the engine's build).
  const size_t total = plan.trials.size() + m_nodes.size() - 1;
  size_t done = 0;
  for (size_t n = 0; n < m_nodes.size(); ++n) {
    const NodeTarget& node = m_nodes[n];
    NodeClient client(node.address, m_access.token, m_access.pins);
    const size_t trials = n == 0 ? plan.trials.size() : 1;
    for (size_t t = 0; t < trials; ++t) {
      if (!checked(done++, total)) return false;
      v1::ValidateJobRequest request;
      request.set_job_json(plan.trials[t].job.dump());
      request.set_job_folder(jobFolderOn(node.address, m_jobFolder));
      const auto answer = client.validate(request);
      if (answer.ok()) continue;
      std::string problems;
      for (const auto& problem : answer.problems())
        problems += (problems.empty() ? "" : "; ") + problem.message();
      throw Error(problems + " (trial " + std::to_string(t) + ", checked on node " + node.name +
                  " before any trial was submitted; its values: " + plan.trials[t].values.dump() +
                  ")");
    }
  }
  return checked(total, total);
}

std::vector<TrialOutcome> SweepRunner::run(const SweepPlan& plan,
                                           const std::function<void(const TrialOutcome&)>& onEnded,
                                           const std::atomic<bool>* stop) {
  std::vector<TrialOutcome> outcomes(plan.trials.size());
  for (size_t t = 0; t < outcomes.size(); ++t) outcomes[t].trial = static_cast<int>(t);
  MedianStoppingRule rule(plan.config.earlyStop);
  std::mutex mutex;
  size_t next = 0;
  std::vector<int> running(m_nodes.size(), 0);
  const auto worker = [&] {
    for (;;) {
      size_t t, node;
      {
        std::lock_guard lock(mutex);
        if (next == plan.trials.size() || (stop && *stop)) return;
        t = next++;
        node =
            static_cast<size_t>(std::min_element(running.begin(), running.end()) - running.begin());
        ++running[node];
      }
      TrialOutcome outcome = runTrial(plan.trials[t], m_nodes[node], rule, stop);
      std::lock_guard lock(mutex);
      --running[node];
      outcomes[t] = outcome;
      onEnded(outcome);
    }
  };
  std::vector<std::thread> workers;
  const size_t concurrency =
      std::min(plan.trials.size(), static_cast<size_t>(plan.config.concurrency));
  for (size_t w = 0; w < concurrency; ++w) workers.emplace_back(worker);
  for (auto& w : workers) w.join();
  return outcomes;
}

TrialOutcome SweepRunner::runTrial(const SweepTrial& trial, const NodeTarget& node,
                                   MedianStoppingRule& rule, const std::atomic<bool>* stop) {
  TrialOutcome outcome;
  outcome.trial = trial.index;
  outcome.node = node.name;
  try {
    NodeClient client(node.address, m_access.token, m_access.pins);
    v1::SubmitJobRequest request;
    request.mutable_train()->set_job_json(trial.job.dump());
    request.mutable_train()->set_job_folder(jobFolderOn(node.address, m_jobFolder));
    request.set_name(trial.job.value("name", ""));
    outcome.jobId = client.submit(request).id();
    bool cancelling = false;
    nlohmann::json finalState;
    double throughputSum = 0;
    int throughputEvents = 0;
    client.watch(outcome.jobId, 0, [&](const v1::Event& event) {
      const auto e = nlohmann::json::parse(event.json());
      if (event.type() == "state") finalState = e;
      if (event.type() == "step" && e.contains("samples_per_s") && e["samples_per_s"].is_number()) {
        throughputSum += e["samples_per_s"].get<double>();
        ++throughputEvents;
      }
      if (event.type() == "step" && e.contains("loss") && e["loss"].is_number()) {
        outcome.steps = e.value("step", int64_t{0});
        outcome.loss = e["loss"].get<double>();
        if (const auto median = rule.report(trial.index, outcome.steps, outcome.loss);
            median && !cancelling) {
          outcome.reason = "at step " + std::to_string(outcome.steps) + " its best loss was " +
                           "above the finished trials' median " + std::to_string(*median);
          cancelling = true;
          client.cancel(outcome.jobId);
        }
      }
      if (stop && *stop && !cancelling) {
        cancelling = true;
        outcome.reason = "the sweep was interrupted";
        client.cancel(outcome.jobId);
      }
      return true;
    });
    outcome.state = finalState.value("state", "unknown");
    if (outcome.state == "cancelled" && !outcome.reason.empty() && !(stop && *stop))
      outcome.state = "stopped early";
    if (outcome.reason.empty() && finalState.contains("reason"))
      outcome.reason = finalState["reason"].get<std::string>();
    if (finalState.contains("test_accuracy"))
      outcome.testAccuracy = finalState["test_accuracy"].get<double>();
    if (throughputEvents > 0) outcome.samplesPerS = throughputSum / throughputEvents;
    if (outcome.state == "succeeded") rule.finished(trial.index);
  } catch (const std::exception& e) {
    outcome.state = "failed";
    outcome.reason = e.what();
  }
  return outcome;
}

}  // namespace twb
