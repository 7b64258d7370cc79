#pragma once

#include <QJsonValue>
#include <QList>
#include <QStringList>

#include "app/experiment_store.h"

namespace twb::app {

// The job fields ("optimizer.lr", "batch", "model.args.hidden", ...) whose values differ between
// the training jobs of `runs`, in the order the first job that names each one does: the
// hyper-parameters a comparison is about. The run's name is left out; arrays count as one value.
QStringList varyingJobFields(const QList<Run>& runs);

// The value of a dotted job field of `run`'s job; undefined where the job does not name it.
QJsonValue jobField(const Run& run, const QString& path);

// A job field's value as a table cell or a chart label shows it: "0.01", "fp32", "true",
// "[512,256]"; empty when there is none.
QString jobValueText(const QJsonValue& value);

}  // namespace twb::app
