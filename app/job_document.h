#pragma once

#include <QJsonObject>
#include <QJsonValue>
#include <QString>
#include <QStringList>

namespace twb::app {

// A job file (docs/job-file.md) as the Job tab edits it: the whole document, fields the form
// shows and fields it does not alike. Each edit touches one path ("optimizer.momentum") and
// nothing else, so a document opened and saved again is the same document, and a run sends
// exactly what was opened plus what the user changed.
class JobDocument {
 public:
  JobDocument() = default;
  explicit JobDocument(const QJsonObject& job) { reset(job); }

  const QJsonObject& json() const { return m_job; }
  // A new document, as opened or as typed in the Advanced editor: what it names stays named.
  void reset(const QJsonObject& job) { m_job = m_given = job; }

  bool contains(const QString& path) const;
  // The value at a dotted path; `fallback` (the engine's default) where the document has none.
  QJsonValue value(const QString& path, const QJsonValue& fallback = QJsonValue::Undefined) const;
  // Writes `value` at `path`, making the objects on the way. A value equal to the engine's
  // default is written only where the given document named the field, so switching a field away
  // and back leaves no trace.
  void set(const QString& path, const QJsonValue& value,
           const QJsonValue& engineDefault = QJsonValue::Undefined);
  // Removes `path`, and the objects on the way that it leaves empty.
  void remove(const QString& path);

 private:
  QJsonObject m_job, m_given;
};

// The nodes a data-parallel job runs across: its parallel.nodes, when it lists two or more.
QStringList nodesAcross(const QJsonObject& job);
// The nodes a sweep's trials are spread over: its sweep.nodes, else `formNode` (the Job tab's).
QStringList sweepNodes(const QJsonObject& job, const QString& formNode);

}  // namespace twb::app
