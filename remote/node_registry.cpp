#include "remote/node_registry.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QSaveFile>

#include "remote/remote_error.h"
#include "rpc/node_client.h"

namespace twb::remote {

namespace {
QJsonObject toJson(const NodeEntry& e) {
  return {{"name", e.name},
          {"kind", e.kind},
          {"host", e.target.host},
          {"port", e.target.port},
          {"user", e.target.user},
          {"key", e.target.keyPath},
          {"labels", QJsonArray::fromStringList(e.labels)},
          {"folder", e.folder},
          {"info", e.info},
          {"checked_at", e.checkedAt.toString(Qt::ISODate)},
          {"health", e.health}};
}

void checkEntry(const NodeEntry& e, const QString& where) {
  const auto fail = [&](const QString& why) {
    throw RemoteError((where + ": " + why).toStdString(), false);
  };
  if (e.name.trimmed().isEmpty()) fail("name: required");
  if (e.kind.trimmed().isEmpty()) fail("kind: required");
  if (e.target.host.trimmed().isEmpty()) fail("host: required");
  if (e.target.port < 1 || e.target.port > 65535)
    fail("port: " + QString::number(e.target.port) + " is outside 1-65535");
}
}  // namespace

NodeRegistry::NodeRegistry(QString path) : m_path(std::move(path)) {
  QFile file(m_path);
  if (!file.exists()) return;
  if (!file.open(QIODevice::ReadOnly))
    throw RemoteError((m_path + ": cannot read the node list").toStdString(), false);
  QJsonParseError error{};
  const QJsonDocument document = QJsonDocument::fromJson(file.readAll(), &error);
  if (error.error != QJsonParseError::NoError || !document.isObject())
    throw RemoteError((m_path + ": not a node list (" + error.errorString() + " at byte " +
                       QString::number(error.offset) + ")")
                          .toStdString(),
                      false);
  const QJsonArray nodes = document.object().value("nodes").toArray();
  for (int i = 0; i < nodes.size(); ++i) {
    const QJsonObject o = nodes[i].toObject();
    NodeEntry e;
    e.name = o.value("name").toString();
    e.kind = o.value("kind").toString("ssh");  // lists written before node kinds hold SSH nodes
    e.target = {o.value("host").toString(), o.value("port").toInt(22), o.value("user").toString(),
                o.value("key").toString()};
    e.labels = o.value("labels").toVariant().toStringList();
    e.folder = o.value("folder").toString();
    e.info = o.value("info").toObject();
    e.checkedAt = QDateTime::fromString(o.value("checked_at").toString(), Qt::ISODate);
    e.health = o.value("health").toString();
    checkEntry(e, m_path + ": nodes[" + QString::number(i) + "]");
    m_nodes.append(e);
  }
}

QList<NodeEntry> NodeRegistry::nodes() const {
  std::lock_guard lock(m_mutex);
  return m_nodes;
}

std::optional<NodeEntry> NodeRegistry::find(const QString& name) const {
  std::lock_guard lock(m_mutex);
  for (const NodeEntry& e : m_nodes)
    if (e.name == name) return e;
  return std::nullopt;
}

void NodeRegistry::upsert(const NodeEntry& entry) {
  checkEntry(entry, "node '" + entry.name + "'");
  std::lock_guard lock(m_mutex);
  const auto found = std::find_if(m_nodes.begin(), m_nodes.end(),
                                  [&](const NodeEntry& e) { return e.name == entry.name; });
  if (found == m_nodes.end()) m_nodes.append(entry);
  else *found = entry;
  saveLocked();
}

bool NodeRegistry::remove(const QString& name) {
  std::lock_guard lock(m_mutex);
  const bool removed = m_nodes.removeIf([&](const NodeEntry& e) { return e.name == name; }) > 0;
  if (removed) saveLocked();
  return removed;
}

NodeEntry NodeRegistry::checkHealth(const QString& name, NodeEndpoint& endpoint) {
  auto entry = find(name);
  if (!entry) throw RemoteError(("no node named '" + name + "'").toStdString(), false);
  entry->checkedAt = QDateTime::currentDateTimeUtc();
  try {
    entry->info = fetchNodeInfo(endpoint);
    entry->health = "ok";
  } catch (const std::exception& e) {
    entry->health = QString::fromUtf8(e.what());
  }
  std::lock_guard lock(m_mutex);
  for (NodeEntry& e : m_nodes)
    if (e.name == name) e = *entry;
  saveLocked();
  return *entry;
}

void NodeRegistry::saveLocked() const {
  QJsonArray nodes;
  for (const NodeEntry& e : m_nodes) nodes.append(toJson(e));
  QDir().mkpath(QFileInfo(m_path).absolutePath());
  QSaveFile file(m_path);
  if (!file.open(QIODevice::WriteOnly) ||
      file.write(QJsonDocument(QJsonObject{{"nodes", nodes}}).toJson()) < 0 || !file.commit())
    throw RemoteError((m_path + ": cannot save the node list").toStdString(), false);
}

}  // namespace twb::remote
