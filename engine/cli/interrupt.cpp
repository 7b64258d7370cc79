#include "cli/interrupt.h"

#include <pthread.h>

#include <csignal>
#include <cstdlib>
#include <thread>

#include "cli/commands.h"

namespace twb {

namespace {
std::atomic<bool> g_stopRequested{false};
constexpr int kStopSignals[] = {SIGINT, SIGTERM, SIGHUP};

void interrupted() {
  if (g_stopRequested.exchange(true)) std::_Exit(kExitInterrupted);
}

extern "C" void onInterrupt(int) { interrupted(); }
}  // namespace

const std::atomic<bool>* installInterruptHandler() {
  // The signals are taken by one thread of their own (sigwait), blocked in this thread and so in
  // every compute thread started after it: a signal landing inside oneDNN's OpenMP regions
  // corrupted the heap of cancelled workers on an AVX2 CPU (2 of 10 SIGTERMs mid-training).
  // Threads started earlier keep the handler, which does the same.
  // A hang-up (the terminal or the SSH session closed) stops like Ctrl-C, so the run is
  // checkpointed instead of lost.
  for (int signal : kStopSignals) std::signal(signal, onInterrupt);
  static const bool waiting = [] {
    sigset_t signals;
    sigemptyset(&signals);
    for (int signal : kStopSignals) sigaddset(&signals, signal);
    pthread_sigmask(SIG_BLOCK, &signals, nullptr);
    std::thread([signals] {
      for (int signal = 0;;)
        if (sigwait(&signals, &signal) == 0) interrupted();
    }).detach();
    return true;
  }();
  (void)waiting;
  return &g_stopRequested;
}

}  // namespace twb
