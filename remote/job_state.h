#pragma once

#include <QObject>
#include <QString>
#include <optional>

namespace twb::remote {
Q_NAMESPACE

// A job's state on its node (docs/events.md), and so a run's in the workbench's store.
enum class JobState { Queued, Running, Succeeded, Failed, Cancelled, Lost };
Q_ENUM_NS(JobState)

// The node's and the store's name of a state: "queued", "running", ...
QString jobStateName(JobState state);
// The state `name` names; none for a name no state has.
std::optional<JobState> jobStateNamed(const QString& name);
// Queued or running: the node may still send events.
inline bool isUnderWay(JobState state) {
  return state == JobState::Queued || state == JobState::Running;
}

}  // namespace twb::remote
