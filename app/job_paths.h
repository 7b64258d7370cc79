#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QList>
#include <QPair>
#include <QString>

namespace twb::app {

// A relative path of a job file whose folder changes, and how the same file is named from the
// new folder.
struct MovedPath {
  QString field;  // "model.file", "dataset.train", "sweep.parameters.dataset[1]"
  QString given;  // the path as the job has it
  QString moved;  // the path naming the same files from the new folder
};

// What a job saved in another folder must change to keep naming the same files.
struct PathsMoved {
  QList<MovedPath> paths;                   // each path that changes, to show
  QList<QPair<QString, QJsonValue>> edits;  // dotted document path -> its new value
  bool isEmpty() const { return paths.isEmpty(); }
};

// The paths of `job` that, read from `fromFolder` as the engine reads them (docs/job-file.md),
// would name other files read from `toFolder`, with the paths that keep naming the same files
// (still relative): model.file, dataset, dataset.train, dataset.test, and each of a sweep's
// values for them (a trial reads its paths as the job does). Empty when the folders are the
// same, every path is absolute, or `fromFolder` is empty (a job read from no folder: its node's
// folder reads it).
PathsMoved pathsMovedBetween(const QJsonObject& job, const QString& fromFolder,
                             const QString& toFolder);

}  // namespace twb::app
