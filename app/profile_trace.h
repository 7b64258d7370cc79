#pragma once

#include <QByteArray>
#include <QJsonDocument>
#include <QList>

namespace twb::app {

// A run's profiled steps (its stored `profile` events, docs/events.md) as a Chrome trace in the
// Trace Event format, which Perfetto and chrome://tracing open: per profiled step, one complete
// slice per node for its forward and one for its backward (in reverse order, as autograd runs
// them), the optimizer update, and the data wait on a row of its own, laid out from the time the
// node sent the event. Updates made during forward (`optimizer_in_forward`) go on the data row,
// from forward's start. Events that are not JSON objects are skipped.
QJsonDocument chromeTraceFromProfiles(const QList<QByteArray>& profileEvents);

}  // namespace twb::app
