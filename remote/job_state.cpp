#include "remote/job_state.h"

#include <QMetaEnum>

namespace twb::remote {

QString jobStateName(JobState state) {
  return QString::fromLatin1(QMetaEnum::fromType<JobState>().valueToKey(static_cast<int>(state)))
      .toLower();
}

std::optional<JobState> jobStateNamed(const QString& name) {
  for (int i = 0; i < QMetaEnum::fromType<JobState>().keyCount(); ++i)
    if (const auto state = static_cast<JobState>(QMetaEnum::fromType<JobState>().value(i));
        jobStateName(state) == name)
      return state;
  return std::nullopt;
}

}  // namespace twb::remote
