#include "cli/sweep_command.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include "cli/commands.h"
#include "cli/csv_field.h"
#include "cli/interrupt.h"
#include "cli/progress_bar.h"
#include "cli/sweep_runner.h"
#include "core/error.h"
#include "core/file_writing.h"
#include "train/job_config.h"

namespace twb {

namespace {
// The metric a trial is ranked by; NaN when it has none (failed, stopped).
double metricOf(const TrialOutcome& o, const SweepConfig& config) {
  if (o.state != "succeeded") return std::nan("");
  return config.maximize() ? o.testAccuracy : o.loss;
}

// Best first; trials without the metric last, in trial order.
std::vector<TrialOutcome> ranked(std::vector<TrialOutcome> outcomes, const SweepConfig& config) {
  std::stable_sort(outcomes.begin(), outcomes.end(), [&](const auto& a, const auto& b) {
    const double x = metricOf(a, config), y = metricOf(b, config);
    if (std::isnan(x) || std::isnan(y)) return !std::isnan(x) && std::isnan(y);
    return config.maximize() ? x > y : x < y;
  });
  return outcomes;
}

std::string number(double value, const char* format = "%.6g") {
  if (std::isnan(value)) return "";
  char text[32];
  std::snprintf(text, sizeof text, format, value);
  return text;
}

void writeCsv(const std::string& path, const SweepPlan& plan,
              const std::vector<TrialOutcome>& rows) {
  writeFileWhole(path, [&](std::ostream& out) {
    out << "trial";
    for (const SweepParameter& p : plan.config.parameters) out << "," << csvField(p.path);
    out << ",state,steps,loss,test_accuracy,samples_per_s,node,job,reason\n";
    for (const TrialOutcome& o : rows) {
      out << o.trial;
      for (const SweepParameter& p : plan.config.parameters)
        out << ","
            << csvField(sweepValueText(plan.trials[static_cast<size_t>(o.trial)].values[p.path]));
      out << "," << o.state << "," << o.steps << "," << number(o.loss, "%.9g") << ","
          << number(o.testAccuracy, "%.9g") << "," << number(o.samplesPerS, "%.9g") << ","
          << csvField(o.node) << "," << o.jobId << "," << csvField(o.reason) << "\n";
    }
  });
}
}  // namespace

int runSweepCommand(const std::string& jobPath, std::vector<NodeTarget> nodes, NodeAccess access,
                    const std::string& csvPath) {
  std::ifstream in(jobPath, std::ios::binary);
  if (!in) throw Error(jobPath + ": cannot read");
  const nlohmann::json job =
      parseJsonText(std::string(std::istreambuf_iterator<char>(in), {}), jobPath);
  if (!csvPath.empty()) checkFileCanBeWritten(csvPath);  // before the trials, not after them
  SweepPlan plan;
  try {
    plan = planSweep(job);
  } catch (const SweepError& e) {
    throw Error(jobPath + ": " + e.what());
  }
  if (!plan.config.nodes.empty()) {  // the block names its nodes: each needs a --node NAME=...
    std::vector<NodeTarget> named;
    for (const std::string& name : plan.config.nodes) {
      const auto given = std::find_if(nodes.begin(), nodes.end(),
                                      [&](const NodeTarget& n) { return n.name == name; });
      if (given == nodes.end())
        throw Error(jobPath + ": sweep.nodes: no --node " + name + "=ADDRESS says where node '" +
                    name + "' is");
      named.push_back(*given);
    }
    nodes = std::move(named);
  }
  const size_t nodeCount = nodes.size();
  SweepRunner runner(std::move(nodes), std::move(access), folderOfJobFile(jobPath));
  runner.checkNodesAnswer();
  const std::atomic<bool>* stop = installInterruptHandler();
  StageProgress progress(isatty(STDERR_FILENO));
  try {
    const bool checked = runner.checkTrials(plan, [&](size_t done, size_t total) {
      progress.update("checking the trials",
                      static_cast<double>(done) / static_cast<double>(total));
      return !*stop;
    });
    progress.finish();
    if (!checked) return kExitInterrupted;  // before any trial was submitted
  } catch (const Error& e) {
    progress.finish();
    throw Error(jobPath + ": " + e.what());
  }
  std::printf("sweep %s: %zu trials, %lld at a time on %zu node%s\n",
              job.value("name", "job").c_str(), plan.trials.size(),
              static_cast<long long>(plan.config.concurrency), nodeCount,
              nodeCount == 1 ? "" : "s");
  std::fflush(stdout);
  size_t ended = 0;
  const auto outcomes = runner.run(
      plan,
      [&](const TrialOutcome& o) {
        std::printf("[%zu/%zu] trial %d %s on %s: %s", ++ended, plan.trials.size(), o.trial,
                    plan.trials[static_cast<size_t>(o.trial)].job.value("name", "").c_str(),
                    o.node.c_str(), o.state.c_str());
        if (!std::isnan(o.testAccuracy)) std::printf(", test accuracy %.4f", o.testAccuracy);
        if (!o.reason.empty()) std::printf(" (%s)", o.reason.c_str());
        std::printf("\n");
        std::fflush(stdout);
      },
      stop);

  const auto rows = ranked(outcomes, plan.config);
  std::printf("\n  %-5s", "trial");
  for (const SweepParameter& p : plan.config.parameters) std::printf(" %-14s", p.path.c_str());
  std::printf(" %-13s %6s %10s %8s %10s\n", "state", "steps", "loss", "test acc", "samples/s");
  bool best = true;
  for (const TrialOutcome& o : rows) {
    const bool marked = best && !std::isnan(metricOf(o, plan.config));
    best = best && !marked;
    std::printf("%s %-5d", marked ? "*" : " ", o.trial);
    for (const SweepParameter& p : plan.config.parameters)
      std::printf(" %-14s",
                  sweepValueText(plan.trials[static_cast<size_t>(o.trial)].values[p.path]).c_str());
    std::printf(" %-13s %6lld %10s %8s %10s\n", o.state.c_str(), static_cast<long long>(o.steps),
                number(o.loss, "%.4g").c_str(), number(o.testAccuracy, "%.4f").c_str(),
                number(o.samplesPerS, "%.0f").c_str());
  }
  if (!csvPath.empty()) writeCsv(csvPath, plan, rows);
  if (stop && *stop) return kExitInterrupted;
  return std::any_of(outcomes.begin(), outcomes.end(),
                     [](const TrialOutcome& o) { return o.state == "succeeded"; })
             ? kExitOk
             : kExitError;
}

}  // namespace twb
