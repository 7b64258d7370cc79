#include "ui/run_state.h"

#include <QCoreApplication>

namespace twb {
namespace ui {

QString runStateText(const QString& state) {
  // Listed so that lupdate finds them; translated under the one context below.
  static const char* const kStates[] = {
      QT_TRANSLATE_NOOP("RunState", "queued"),    QT_TRANSLATE_NOOP("RunState", "running"),
      QT_TRANSLATE_NOOP("RunState", "succeeded"), QT_TRANSLATE_NOOP("RunState", "failed"),
      QT_TRANSLATE_NOOP("RunState", "cancelled"), QT_TRANSLATE_NOOP("RunState", "lost")};
  for (const char* known : kStates)
    if (state == QLatin1String(known)) return QCoreApplication::translate("RunState", known);
  return state;  // a state from a newer node: its own name
}

}  // namespace ui
}  // namespace twb
