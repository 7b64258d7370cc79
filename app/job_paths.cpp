#include "app/job_paths.h"

#include <QDir>
#include <QJsonArray>
#include <functional>

#include "app/job_document.h"
#include "data/dataset.h"

namespace twb::app {

namespace {

const char* const kPathFields[] = {"model.file", "dataset", "dataset.train", "dataset.test"};

using Rebase = std::function<std::string(const std::string&)>;

// The path fields of `job` that `rebased` changes.
QList<MovedPath> movedFields(const QJsonObject& job, const Rebase& rebased) {
  const JobDocument document(job);
  QList<MovedPath> moved;
  for (const char* field : kPathFields) {
    const QString given = document.value(field).toString();
    if (given.isEmpty()) continue;
    const QString text =
        field == QStringLiteral("model.file")
            ? QString::fromStdString(rebased(given.toStdString()))
            : QString::fromStdString(mapDatasetPaths(given.toStdString(), rebased));
    if (text != given) moved.append({field, given, text});
  }
  return moved;
}

// A swept value names files as the job's own field would: set alone into an empty job, the
// fields it fills are read as the job's. `where` names it as the sweep check does
// ("sweep.parameters.dataset[1]"); a field inside it follows (".train"). Returns the value
// naming the same files (itself where nothing moved), each moved path appended to `paths`.
QJsonValue movedSweptValue(const QString& parameter, const QJsonValue& value, const QString& where,
                           const Rebase& rebased, QList<MovedPath>* paths) {
  JobDocument trial;
  trial.set(parameter, value);
  const QList<MovedPath> moved = movedFields(trial.json(), rebased);
  for (const MovedPath& field : moved) {
    paths->append({where + field.field.mid(parameter.size()), field.given, field.moved});
    trial.set(field.field, field.moved);
  }
  return trial.value(parameter);
}

}  // namespace

PathsMoved pathsMovedBetween(const QJsonObject& job, const QString& fromFolder,
                             const QString& toFolder) {
  const QDir from(fromFolder), to(toFolder);
  if (fromFolder.isEmpty() || from.absolutePath() == to.absolutePath()) return {};
  const Rebase rebased = [&](const std::string& path) {
    const QString given = QString::fromStdString(path);
    if (QDir::isAbsolutePath(given)) return path;
    return QDir::cleanPath(to.relativeFilePath(from.absoluteFilePath(given))).toStdString();
  };
  PathsMoved result;
  result.paths = movedFields(job, rebased);
  for (const MovedPath& path : result.paths) result.edits.append({path.field, path.moved});
  const qsizetype jobPaths = result.paths.size();

  // A parameter's values are a list, or a list under "values" (a range is numbers).
  QJsonObject parameters = JobDocument(job).value("sweep.parameters").toObject();
  for (auto parameter = parameters.begin(); parameter != parameters.end(); ++parameter) {
    QJsonObject holder = parameter->toObject();
    const bool listed = parameter->isArray();
    QJsonArray values = listed ? parameter->toArray() : holder.value("values").toArray();
    for (qsizetype i = 0; i < values.size(); ++i) {
      const QString where = QStringLiteral("sweep.parameters.%1[%2]").arg(parameter.key()).arg(i);
      values[i] = movedSweptValue(parameter.key(), values[i], where, rebased, &result.paths);
    }
    if (listed) {
      *parameter = values;
    } else if (holder.contains("values")) {
      holder["values"] = values;
      *parameter = holder;
    }
  }
  if (result.paths.size() > jobPaths) result.edits.append({"sweep.parameters", parameters});
  return result;
}

}  // namespace twb::app
