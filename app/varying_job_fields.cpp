#include "app/varying_job_fields.h"

#include <QHash>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>

#include "app/job_document.h"
#include "app/run_summary.h"

namespace twb::app {

namespace {
// Every leaf of `object` under its dotted path; `order` gets each path the first time it is seen.
void flatten(const QJsonObject& object, const QString& prefix, QHash<QString, QJsonValue>& leaves,
             QStringList& order) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const QString path = prefix.isEmpty() ? it.key() : prefix + '.' + it.key();
    if (it->isObject()) {
      flatten(it->toObject(), path, leaves, order);
    } else {
      leaves.insert(path, *it);
      if (!order.contains(path)) order << path;
    }
  }
}

QJsonObject jobOf(const Run& run) { return QJsonDocument::fromJson(run.jobJson.toUtf8()).object(); }
}  // namespace

QStringList varyingJobFields(const QList<Run>& runs) {
  QStringList order;
  QList<QHash<QString, QJsonValue>> jobs;  // each training job's leaves, flattened once
  for (const Run& run : runs) {
    if (runKind(run) != "train") continue;
    jobs.append(QHash<QString, QJsonValue>());
    flatten(jobOf(run), {}, jobs.back(), order);
  }
  QStringList varying;
  for (const QString& path : std::as_const(order)) {
    if (path == "name") continue;
    const QJsonValue first = jobs.front().value(path, QJsonValue::Undefined);
    for (const auto& job : std::as_const(jobs))
      if (job.value(path, QJsonValue::Undefined) != first) {
        varying << path;
        break;
      }
  }
  return varying;
}

QJsonValue jobField(const Run& run, const QString& path) {
  return JobDocument(jobOf(run)).value(path);
}

QString jobValueText(const QJsonValue& value) {
  if (value.isDouble()) return QString::number(value.toDouble(), 'g', 8);
  if (value.isBool()) return value.toBool() ? "true" : "false";
  if (value.isString()) return value.toString();
  if (value.isUndefined() || value.isNull()) return QString();
  return QString::fromUtf8(QJsonDocument(QJsonArray{value}).toJson(QJsonDocument::Compact)).mid(1).chopped(1);
}

}  // namespace twb::app
