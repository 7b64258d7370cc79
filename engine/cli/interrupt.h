#pragma once

#include <atomic>

namespace twb {

// Installs SIGINT / SIGTERM handlers: the first signal sets the returned flag (the trainer then
// checkpoints and returns), a second one exits at once with code 130.
const std::atomic<bool>* installInterruptHandler();

}  // namespace twb
