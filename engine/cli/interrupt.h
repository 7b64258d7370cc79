#pragma once

#include <atomic>

namespace twb {

// Takes SIGINT / SIGTERM / SIGHUP from here on: the first signal sets the returned flag (the
// trainer then checkpoints and returns), a second one exits at once with code 130. Call it before
// starting compute threads: they inherit a mask that keeps the signals away from them.
const std::atomic<bool>* installInterruptHandler();

}  // namespace twb
