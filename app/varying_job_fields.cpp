#include "app/varying_job_fields.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QSet>

#include "app/job_document.h"
#include "app/run_summary.h"

namespace twb::app {

namespace {
// Every leaf of `object` under its dotted path, in document order.
void flatten(const QJsonObject& object, const QString& prefix,
             QList<QPair<QString, QJsonValue>>& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const QString path = prefix.isEmpty() ? it.key() : prefix + '.' + it.key();
    if (it->isObject())
      flatten(it->toObject(), path, out);
    else
      out.append({path, *it});
  }
}

QJsonObject jobOf(const Run& run) { return QJsonDocument::fromJson(run.jobJson.toUtf8()).object(); }
}  // namespace

QStringList varyingJobFields(const QList<Run>& runs) {
  QStringList order;
  QSet<QString> named;
  QList<QJsonObject> jobs;
  for (const Run& run : runs)
    if (runKind(run) == "train") jobs << jobOf(run);
  for (const QJsonObject& job : std::as_const(jobs)) {
    QList<QPair<QString, QJsonValue>> leaves;
    flatten(job, {}, leaves);
    for (const auto& leaf : std::as_const(leaves))
      if (leaf.first != "name" && !named.contains(leaf.first)) {
        named.insert(leaf.first);
        order << leaf.first;
      }
  }
  QStringList varying;
  for (const QString& path : std::as_const(order)) {
    QSet<QByteArray> seen;
    for (const QJsonObject& job : std::as_const(jobs))
      seen.insert(QJsonDocument(QJsonObject{{"v", JobDocument(job).value(path)}})
                      .toJson(QJsonDocument::Compact));
    if (seen.size() > 1) varying << path;
  }
  return varying;
}

QJsonValue jobField(const Run& run, const QString& path) {
  return JobDocument(jobOf(run)).value(path);
}

}  // namespace twb::app
