#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

namespace twb::app {

// A relative path of a job file whose folder changes, and how the same file is named from the
// new folder.
struct MovedPath {
  QString field;  // "model.file", "dataset", "dataset.train", "dataset.test"
  QString given;  // the field as the job has it
  QString moved;  // the field naming the same files from the new folder
};

// The fields of `job` whose relative paths, read from `fromFolder` as the engine reads them
// (docs/job-file.md), would name other files read from `toFolder`, each with the paths that
// keep naming the same files (still relative). Empty when the folders are the same, every path
// is absolute, or `fromFolder` is empty (a job read from no folder: its node's folder reads it).
QList<MovedPath> pathsMovedBetween(const QJsonObject& job, const QString& fromFolder,
                                   const QString& toFolder);

}  // namespace twb::app
