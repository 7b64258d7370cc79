#include "app/job_document.h"

#include <QJsonArray>
#include <QStringList>

namespace twb::app {

namespace {
// Writes (or, with an undefined value, removes) `keys[depth..]` inside `object`; objects left
// empty by a removal go too.
void write(QJsonObject& object, const QStringList& keys, int depth, const QJsonValue& value) {
  const QString& key = keys[depth];
  if (depth + 1 == keys.size()) {
    if (value.isUndefined())
      object.remove(key);
    else
      object[key] = value;
    return;
  }
  QJsonObject child = object.value(key).toObject();
  write(child, keys, depth + 1, value);
  if (child.isEmpty() && value.isUndefined())
    object.remove(key);
  else
    object[key] = child;
}

QJsonValue at(const QJsonObject& job, const QString& path) {
  QJsonValue value = job;
  for (const QString& key : path.split('.')) {
    if (!value.isObject() || !value.toObject().contains(key)) return QJsonValue::Undefined;
    value = value.toObject().value(key);
  }
  return value;
}
}  // namespace

bool JobDocument::contains(const QString& path) const { return !at(m_job, path).isUndefined(); }

QJsonValue JobDocument::value(const QString& path, const QJsonValue& fallback) const {
  const QJsonValue found = at(m_job, path);
  return found.isUndefined() ? fallback : found;
}

void JobDocument::set(const QString& path, const QJsonValue& value,
                      const QJsonValue& engineDefault) {
  if (!engineDefault.isUndefined() && value == engineDefault && at(m_given, path).isUndefined())
    return remove(path);
  write(m_job, path.split('.'), 0, value);
}

void JobDocument::remove(const QString& path) {
  if (contains(path)) write(m_job, path.split('.'), 0, QJsonValue::Undefined);
}

namespace {
// The names in `job`'s BLOCK.nodes.
QStringList nodesNamedIn(const QJsonObject& job, const char* block) {
  QStringList nodes;
  for (const QJsonValue& node : job.value(block).toObject().value("nodes").toArray())
    nodes << node.toString();
  return nodes;
}
}  // namespace

QStringList nodesAcross(const QJsonObject& job) {
  const QStringList nodes = nodesNamedIn(job, "parallel");
  return nodes.size() > 1 ? nodes : QStringList();
}

QStringList sweepNodes(const QJsonObject& job, const QString& formNode) {
  const QStringList nodes = nodesNamedIn(job, "sweep");
  return nodes.isEmpty() ? QStringList{formNode} : nodes;
}

}  // namespace twb::app
