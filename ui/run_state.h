#pragma once

#include <QString>

namespace twb {
namespace ui {

// A run's state as the user reads it, in the user's language; the store and the node keep the
// engine's names (queued, running, succeeded, failed, cancelled, lost).
QString runStateText(const QString& state);

}  // namespace ui
}  // namespace twb
