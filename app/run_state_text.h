#pragma once

#include <QString>

#include "app/experiment_store.h"

namespace twb {
namespace app {

// A run's state as the user reads it, in the user's language; the store and the node keep the
// engine's names (queued, running, succeeded, failed, cancelled, lost).
QString runStateText(RunState state);

}  // namespace app
}  // namespace twb
