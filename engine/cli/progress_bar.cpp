#include "cli/progress_bar.h"

#include <algorithm>
#include <cstdio>
#include <string>

namespace twb {

namespace {
std::string duration(double seconds) {
  const int s = static_cast<int>(seconds + 0.5);
  char buf[32];
  if (s >= 3600) std::snprintf(buf, sizeof buf, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60);
  else std::snprintf(buf, sizeof buf, "%d:%02d", s / 60, s % 60);
  return buf;
}
}  // namespace

ProgressBar::ProgressBar(bool terminal) : m_terminal(terminal) {}

void ProgressBar::drawLine(const nlohmann::json& e) {
  const int64_t step = e["step"], total = e["total_steps"];
  if (m_firstStep < 0) {
    m_firstStep = step - 1;
    m_start = std::chrono::steady_clock::now();
  }
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - m_start).count();
  const double rate = (step - m_firstStep) / std::max(elapsed, 1e-9);
  const double eta = (total - step) / std::max(rate, 1e-9);
  const double fraction = static_cast<double>(step) / std::max<int64_t>(total, 1);
  constexpr int kWidth = 28;
  const int filled = static_cast<int>(fraction * kWidth);
  std::string bar(filled, '#');
  bar.append(kWidth - filled, '.');
  char line[256];
  std::snprintf(line, sizeof line,
                "epoch %.2f [%s] %3d%% %lld/%lld loss %.4f acc %.3f %.0f samples/s ETA %s",
                e["epoch"].get<double>(), bar.c_str(), static_cast<int>(fraction * 100),
                static_cast<long long>(step), static_cast<long long>(total),
                e["loss"].get<double>(), e["accuracy"].get<double>(),
                e["samples_per_s"].get<double>(), duration(eta).c_str());
  if (m_terminal) {
    std::fprintf(stderr, "\r\033[K%s", line);
    m_lineOpen = true;
  } else {
    const int64_t decile = step * 10 / std::max<int64_t>(total, 1);
    if (decile != m_lastDecile) std::fprintf(stderr, "%s\n", line);
    m_lastDecile = decile;
  }
  std::fflush(stderr);
}

void ProgressBar::onEvent(const nlohmann::json& e) {
  const std::string type = e["type"];
  if (type == "step") return drawLine(e);
  std::string text;
  if (type == "eval") {
    char buf[160];
    std::snprintf(buf, sizeof buf, "eval at step %lld (epoch %.2f): test accuracy %.4f, loss %.4f",
                  static_cast<long long>(e["step"].get<int64_t>()), e["epoch"].get<double>(),
                  e["accuracy"].get<double>(), e["loss"].get<double>());
    text = buf;
  } else if (type == "log") {
    text = (e.value("level", "") == "warning" ? "warning: " : "") + e["message"].get<std::string>();
  } else {
    return;
  }
  std::fprintf(stderr, "%s%s\n", m_terminal && m_lineOpen ? "\r\033[K" : "", text.c_str());
  m_lineOpen = false;
  std::fflush(stderr);
}

void ProgressBar::finish() {
  if (m_terminal && m_lineOpen) std::fprintf(stderr, "\n");
  m_lineOpen = false;
}

void StageProgress::update(const std::string& stage, double fraction) {
  const bool newStage = stage != m_stage;
  m_stage = stage;
  if (!m_terminal) {
    if (newStage && m_linesElsewhere) std::fprintf(stderr, "%s...\n", stage.c_str());
    return;
  }
  constexpr int kWidth = 28;
  const int filled = static_cast<int>(std::min(1.0, fraction) * kWidth);
  std::string bar(static_cast<size_t>(filled), '#');
  bar.append(static_cast<size_t>(kWidth - filled), '.');
  std::fprintf(stderr, "\r\033[K%-22s [%s] %3d%%", stage.c_str(), bar.c_str(),
               static_cast<int>(fraction * 100));
  std::fflush(stderr);
}

void StageProgress::finish() {
  if (m_terminal && !m_stage.empty()) std::fprintf(stderr, "\r\033[K");
  m_stage.clear();
}

}  // namespace twb
