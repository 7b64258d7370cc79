#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <vector>

namespace twb {

// A job file's "sweep" block is wrong; the message names the field ("sweep.parameters.lr: ...").
class SweepError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One swept field: a dotted path into the job ("optimizer.lr", "model.args.hidden") and either
// the values to try or a range to draw from (random search only).
struct SweepParameter {
  std::string path;
  std::vector<nlohmann::json> values;  // empty: the range below
  double min = 0, max = 0;
  bool logScale = false;  // draw log-uniformly (learning rates, weight decay)
  bool integer = false;   // round the draw (batch, hidden sizes)
};

// Stops a trial whose best value of the metric so far is worse than the median of the finished
// trials' running averages at the same step (the median rule of Google Vizier).
struct EarlyStopping {
  bool enabled = false;
  int64_t graceSteps = 10;  // no trial is stopped before this step
  int minTrials = 2;        // finished trials needed at that step for a median to mean anything
};

// How a sweep runs: its trials (each a job of its own), how many at once, and what ranks them.
struct SweepConfig {
  std::string method = "grid";           // grid | random
  int64_t trials = 0;                    // random: how many; grid: at most this many (0: all)
  uint64_t seed = 0;                     // of the random draws
  int64_t concurrency = 1;               // trials running at once, over every node
  std::vector<std::string> nodes;  // where trials run, by name; empty: where the runner is told
  std::string metric = "test_accuracy";  // ranks the finished trials: test_accuracy | loss
  EarlyStopping earlyStop;               // on the training loss of the step events
  std::vector<SweepParameter> parameters;

  bool maximize() const { return metric == "test_accuracy"; }
};

struct SweepTrial {
  int index = 0;          // from 0, in the order they start
  nlohmann::json job;     // the job file without "sweep", with this trial's values
  nlohmann::json values;  // path -> value, for tables and CSV
};

struct SweepPlan {
  SweepConfig config;
  std::vector<SweepTrial> trials;
};

// Reads the job's "sweep" block and expands it into its trials: the grid's product with the
// parameters in the order of their paths (a JSON object has no order; the last varies fastest),
// or `trials` random draws from `seed`.
// Each trial's job is named "NAME [path=value, ...]". Throws SweepError naming the bad field,
// or a path the job cannot take (a field inside something that is not an object).
SweepPlan planSweep(const nlohmann::json& job);

// The trials that, together, give every swept field each of its values at least once, in
// trial order: the few a dry run checks so that every value has been tried (4 of a 3 x 2 grid's
// 6). A value drawn from a range is a value of its own.
std::vector<size_t> trialsCoveringEveryValue(const SweepPlan& plan);

// Where the job file's sweep block writes `trial`'s value of the swept field `path`:
// "sweep.parameters.optimizer.lr[2]" in a list, "sweep.parameters.optimizer.lr.values[2]", or the
// range it was drawn from, "sweep.parameters.optimizer.lr".
std::string sweepValueField(const nlohmann::json& job, const SweepTrial& trial,
                            const std::string& path);

// "0.01", "fp32", "[512,256]", "[lab-a,lab-b]": a value as a table cell and a CSV field show it.
std::string sweepValueText(const nlohmann::json& value);

}  // namespace twb
