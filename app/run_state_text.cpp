#include "app/run_state_text.h"

#include <QCoreApplication>
#include <iterator>

namespace twb {
namespace app {

QString runStateText(RunState state) {
  // In the enum's order; listed so that lupdate finds them, translated under one context.
  static const char* const kStates[] = {
      QT_TRANSLATE_NOOP("RunState", "queued"),    QT_TRANSLATE_NOOP("RunState", "running"),
      QT_TRANSLATE_NOOP("RunState", "succeeded"), QT_TRANSLATE_NOOP("RunState", "failed"),
      QT_TRANSLATE_NOOP("RunState", "cancelled"), QT_TRANSLATE_NOOP("RunState", "lost")};
  static_assert(std::size(kStates) == static_cast<size_t>(RunState::Lost) + 1);
  return QCoreApplication::translate("RunState", kStates[static_cast<int>(state)]);
}

}  // namespace app
}  // namespace twb
