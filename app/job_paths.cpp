#include "app/job_paths.h"

#include <QDir>

#include "app/job_document.h"
#include "data/dataset.h"

namespace twb::app {

namespace {
const char* const kPathFields[] = {"model.file", "dataset", "dataset.train", "dataset.test"};
}  // namespace

QList<MovedPath> pathsMovedBetween(const QJsonObject& job, const QString& fromFolder,
                                   const QString& toFolder) {
  const QDir from(fromFolder), to(toFolder);
  if (fromFolder.isEmpty() || from.absolutePath() == to.absolutePath()) return {};
  const auto rebased = [&](const std::string& path) {
    const QString given = QString::fromStdString(path);
    if (QDir::isAbsolutePath(given)) return path;
    return QDir::cleanPath(to.relativeFilePath(from.absoluteFilePath(given))).toStdString();
  };
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

}  // namespace twb::app
