#include "sweep/sweep_plan.h"

#include <algorithm>
#include <cmath>
#include <random>
#include <set>
#include <sstream>

namespace twb {

namespace {
[[noreturn]] void fail(const std::string& field, const std::string& message) {
  throw SweepError("sweep." + field + ": " + message);
}

int64_t integerAt(const nlohmann::json& block, const std::string& key, int64_t fallback,
                  int64_t least) {
  if (!block.contains(key)) return fallback;
  const nlohmann::json& v = block[key];
  if (!v.is_number_integer() || v.get<int64_t>() < least)
    fail(key, "must be an integer >= " + std::to_string(least));
  return v.get<int64_t>();
}

SweepParameter readParameter(const std::string& path, const nlohmann::json& spec) {
  const std::string field = "parameters." + path;
  if (path.empty() || path == "sweep" || path.rfind("sweep.", 0) == 0)
    fail(field, "cannot be swept");
  SweepParameter p;
  p.path = path;
  if (spec.is_array()) {  // a bare list: the values
    if (spec.empty()) fail(field, "needs at least one value");
    p.values.assign(spec.begin(), spec.end());
    return p;
  }
  if (!spec.is_object()) fail(field, "give a list of values or {\"min\", \"max\"}");
  for (const auto& [key, value] : spec.items())
    if (key != "values" && key != "min" && key != "max" && key != "scale" && key != "integer")
      fail(field + "." + key, "unknown field (known: values, min, max, scale, integer)");
  if (spec.contains("values")) {
    if (!spec["values"].is_array() || spec["values"].empty())
      fail(field + ".values", "must be a non-empty list");
    if (spec.contains("min") || spec.contains("max"))
      fail(field, "give either values or min and max, not both");
    p.values.assign(spec["values"].begin(), spec["values"].end());
    return p;
  }
  if (!spec.contains("min") || !spec.contains("max") || !spec["min"].is_number() ||
      !spec["max"].is_number())
    fail(field, "needs \"values\", or numbers \"min\" and \"max\"");
  p.min = spec["min"].get<double>();
  p.max = spec["max"].get<double>();
  if (!(p.min < p.max)) fail(field, "min must be below max");
  const std::string scale = spec.value("scale", "linear");
  if (scale != "linear" && scale != "log") fail(field + ".scale", "must be linear or log");
  p.logScale = scale == "log";
  if (p.logScale && p.min <= 0) fail(field + ".min", "must be > 0 on a log scale");
  if (spec.contains("integer") && !spec["integer"].is_boolean())
    fail(field + ".integer", "must be true or false");
  p.integer = spec.value("integer", false);
  return p;
}

SweepConfig readConfig(const nlohmann::json& sweep) {
  if (!sweep.is_object()) throw SweepError("sweep: must be an object");
  for (const auto& [key, value] : sweep.items())
    if (key != "method" && key != "trials" && key != "seed" && key != "concurrency" &&
        key != "metric" && key != "early_stop" && key != "parameters" && key != "nodes")
      fail(key,
           "unknown field (known: method, trials, seed, concurrency, metric, early_stop, "
           "nodes, parameters)");
  SweepConfig c;
  c.method = sweep.value("method", c.method);
  if (c.method != "grid" && c.method != "random") fail("method", "must be grid or random");
  c.trials = integerAt(sweep, "trials", 0, c.method == "random" ? 1 : 0);
  if (c.method == "random" && c.trials == 0)
    fail("trials", "random search needs a number of trials");
  c.seed = static_cast<uint64_t>(integerAt(sweep, "seed", 0, 0));
  c.concurrency = integerAt(sweep, "concurrency", 1, 1);
  if (sweep.contains("nodes")) {
    const nlohmann::json& nodes = sweep["nodes"];
    if (!nodes.is_array() || nodes.empty()) fail("nodes", "must be a non-empty list of node names");
    for (const auto& node : nodes) {
      if (!node.is_string() || node.get<std::string>().empty())
        fail("nodes", "every entry must be a node name");
      if (std::count(c.nodes.begin(), c.nodes.end(), node.get<std::string>()))
        fail("nodes", "'" + node.get<std::string>() + "' is listed twice");
      c.nodes.push_back(node);
    }
  }
  c.metric = sweep.value("metric", c.metric);
  if (c.metric != "test_accuracy" && c.metric != "loss")
    fail("metric", "must be test_accuracy or loss");
  if (sweep.contains("early_stop")) {
    const nlohmann::json& e = sweep["early_stop"];
    if (!e.is_object() || e.value("rule", "") != "median")
      fail("early_stop", "must be {\"rule\": \"median\", \"grace_steps\": N, \"min_trials\": N}");
    for (const auto& [key, value] : e.items())
      if (key != "rule" && key != "grace_steps" && key != "min_trials")
        fail("early_stop." + key, "unknown field (known: rule, grace_steps, min_trials)");
    c.earlyStop.enabled = true;
    c.earlyStop.graceSteps = integerAt(e, "grace_steps", c.earlyStop.graceSteps, 1);
    c.earlyStop.minTrials = static_cast<int>(integerAt(e, "min_trials", c.earlyStop.minTrials, 1));
  }
  if (!sweep.contains("parameters") || !sweep["parameters"].is_object() ||
      sweep["parameters"].empty())
    fail("parameters", "name at least one field to sweep, e.g. {\"optimizer.lr\": [0.01, 0.1]}");
  for (const auto& [path, spec] : sweep["parameters"].items())
    c.parameters.push_back(readParameter(path, spec));
  if (c.method == "grid")
    for (const SweepParameter& p : c.parameters)
      if (p.values.empty())
        fail("parameters." + p.path, "a grid needs \"values\" (ranges are for random search)");
  return c;
}

// Sets `path` in `job`, making the objects on the way; a step into something else is an error.
void setPath(nlohmann::json& job, const std::string& path, const nlohmann::json& value) {
  nlohmann::json* at = &job;
  std::string walked;
  std::stringstream parts(path);
  std::string part;
  std::vector<std::string> steps;
  while (std::getline(parts, part, '.')) steps.push_back(part);
  for (size_t i = 0; i < steps.size(); ++i) {
    if (steps[i].empty()) fail("parameters." + path, "has an empty step");
    if (!at->is_object() && !at->is_null())
      fail("parameters." + path, "the job's " + walked + " is not an object");
    walked += (walked.empty() ? "" : ".") + steps[i];
    if (i + 1 == steps.size())
      (*at)[steps[i]] = value;
    else
      at = &(*at)[steps[i]];
  }
}

nlohmann::json draw(const SweepParameter& p, std::mt19937_64& random) {
  if (!p.values.empty())
    return p.values[std::uniform_int_distribution<size_t>(0, p.values.size() - 1)(random)];
  const double u = std::uniform_real_distribution<double>(0, 1)(random);
  const double x = p.logScale ? std::exp(std::log(p.min) + u * (std::log(p.max) - std::log(p.min)))
                              : p.min + u * (p.max - p.min);
  if (p.integer) return static_cast<int64_t>(std::llround(x));
  return x;
}
}  // namespace

std::string sweepValueText(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_array()) {  // its items as they would show alone: node names without quotes
    std::string text = "[";
    for (const nlohmann::json& item : value)
      text += (text.size() > 1 ? "," : "") + sweepValueText(item);
    return text + "]";
  }
  if (value.is_number_float()) {
    std::ostringstream text;
    text.precision(6);
    text << value.get<double>();
    return text.str();
  }
  return value.dump();
}

SweepPlan planSweep(const nlohmann::json& job) {
  if (!job.is_object() || !job.contains("sweep"))
    throw SweepError("sweep: the job has no \"sweep\" block");
  SweepPlan plan;
  plan.config = readConfig(job["sweep"]);
  nlohmann::json base = job;
  base.erase("sweep");
  const std::string name = base.value("name", "job");

  std::vector<nlohmann::json> assignments;
  if (plan.config.method == "grid") {
    assignments.push_back(nlohmann::json::object());
    for (const SweepParameter& p : plan.config.parameters) {
      std::vector<nlohmann::json> grown;
      for (const nlohmann::json& partial : assignments)
        for (const nlohmann::json& v : p.values) {
          nlohmann::json next = partial;
          next[p.path] = v;
          grown.push_back(std::move(next));
        }
      assignments = std::move(grown);
    }
    if (plan.config.trials > 0 && assignments.size() > static_cast<size_t>(plan.config.trials))
      assignments.resize(static_cast<size_t>(plan.config.trials));
  } else {
    std::mt19937_64 random(plan.config.seed);
    for (int64_t t = 0; t < plan.config.trials; ++t) {
      nlohmann::json a = nlohmann::json::object();
      for (const SweepParameter& p : plan.config.parameters) a[p.path] = draw(p, random);
      assignments.push_back(std::move(a));
    }
  }

  // Trials are named by the last part of each path ("lr=0.1"), which Compare's column of a
  // trial name has room for; the whole path where two parameters' last parts are the same.
  std::vector<std::string> lastParts, labels;
  for (const SweepParameter& p : plan.config.parameters)
    lastParts.push_back(p.path.substr(p.path.rfind('.') + 1));
  for (size_t i = 0; i < lastParts.size(); ++i)
    labels.push_back(std::count(lastParts.begin(), lastParts.end(), lastParts[i]) > 1
                         ? plan.config.parameters[i].path
                         : lastParts[i]);

  for (const nlohmann::json& a : assignments) {
    SweepTrial trial;
    trial.index = static_cast<int>(plan.trials.size());
    trial.job = base;
    std::string label;
    nlohmann::json values = nlohmann::json::object();
    for (size_t i = 0; i < plan.config.parameters.size(); ++i) {
      const std::string& path = plan.config.parameters[i].path;
      setPath(trial.job, path, a[path]);
      values[path] = a[path];
      label += (label.empty() ? "" : ", ") + labels[i] + "=" + sweepValueText(a[path]);
    }
    trial.job["name"] = name + " [" + label + "]";
    trial.values = std::move(values);
    plan.trials.push_back(std::move(trial));
  }
  return plan;
}

std::vector<size_t> trialsCoveringEveryValue(const SweepPlan& plan) {
  std::set<std::pair<std::string, std::string>> tried;  // (path, value)
  std::vector<size_t> covering;
  for (size_t t = 0; t < plan.trials.size(); ++t) {
    bool tries = false;
    for (const auto& [path, value] : plan.trials[t].values.items())
      tries |= tried.emplace(path, value.dump()).second;
    if (tries) covering.push_back(t);
  }
  return covering;
}

std::string sweepValueField(const nlohmann::json& job, const SweepTrial& trial,
                            const std::string& path) {
  const std::string field = "sweep.parameters." + path;
  const nlohmann::json& spec = job.at("sweep").at("parameters").at(path);
  const bool listed = spec.is_object() && spec.contains("values");
  const nlohmann::json& values = listed ? spec["values"] : spec;
  if (!values.is_array()) return field;
  const auto at = std::find(values.begin(), values.end(), trial.values.at(path));
  if (at == values.end()) return field;
  return field + (listed ? ".values[" : "[") + std::to_string(at - values.begin()) + "]";
}

}  // namespace twb
