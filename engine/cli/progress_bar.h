#pragma once

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>

namespace twb {

// Draws training progress on a terminal from the run's events: one redrawn line with the bar,
// step, loss, throughput and ETA; evaluations and log lines printed above it. Without a
// terminal it prints a plain line per evaluation and every tenth of the run.
class ProgressBar {
 public:
  explicit ProgressBar(bool terminal);
  void onEvent(const nlohmann::json& event);
  void finish();

 private:
  void drawLine(const nlohmann::json& step);
  bool m_terminal;
  bool m_lineOpen = false;
  int64_t m_lastDecile = -1;
  std::chrono::steady_clock::time_point m_start = std::chrono::steady_clock::now();
  int64_t m_firstStep = -1;
};

// Progress of a job made of stages (calibrating, evaluating, ...): one redrawn bar per stage on a
// terminal, a line per stage otherwise, or nothing otherwise where `linesElsewhere` is false
// (eval and predict, whose output others read).
class StageProgress {
 public:
  explicit StageProgress(bool terminal, bool linesElsewhere = true)
      : m_terminal(terminal), m_linesElsewhere(linesElsewhere) {}
  void update(const std::string& stage, double fraction);
  void finish();

 private:
  bool m_terminal, m_linesElsewhere;
  std::string m_stage;
};

}  // namespace twb
