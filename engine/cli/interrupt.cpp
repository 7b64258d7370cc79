#include "cli/interrupt.h"

#include <csignal>
#include <cstdlib>

#include "cli/commands.h"

namespace twb {

namespace {
std::atomic<bool> g_stopRequested{false};

extern "C" void onInterrupt(int) {
  if (g_stopRequested.exchange(true)) std::_Exit(kExitInterrupted);
}
}  // namespace

const std::atomic<bool>* installInterruptHandler() {
  std::signal(SIGINT, onInterrupt);
  std::signal(SIGTERM, onInterrupt);
  return &g_stopRequested;
}

}  // namespace twb
