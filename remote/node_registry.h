#pragma once

#include <QDateTime>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <mutex>
#include <optional>

#include "remote/node_endpoint.h"
#include "remote/ssh_target.h"

namespace twb::remote {

// A node the user has saved, with what was last learnt about it.
struct NodeEntry {
  QString name;          // unique, shown in the GUI
  QString kind = "ssh";  // how it is reached: a node kind's id (plugins/plugin_interfaces.h)
  SshTarget target;      // for the ssh kind; other kinds read `host` as their hostHint() says
  QStringList labels;
  QString folder;        // where the engine and its jobs live on the node; empty: ~/.cache/twb
  QJsonObject info;      // the cached GetNodeInfo (protobuf's JSON form); empty until checked
  QDateTime checkedAt;   // the last health check
  QString health;        // "ok", or what went wrong
};

// The saved nodes, kept in one JSON file written atomically. Thread-safe.
class NodeRegistry {
 public:
  // Loads `path` (none yet: no nodes). A malformed file throws RemoteError naming it and the field.
  explicit NodeRegistry(QString path);

  QList<NodeEntry> nodes() const;
  std::optional<NodeEntry> find(const QString& name) const;
  // Adds or replaces the entry of that name; throws RemoteError on a missing name or host or a
  // port outside 1-65535.
  void upsert(const NodeEntry& entry);
  bool remove(const QString& name);

  // Reaches the node through `endpoint`, asks GetNodeInfo and records the answer or the error
  // (blocking: call it off the GUI thread). Returns the updated entry.
  NodeEntry checkHealth(const QString& name, NodeEndpoint& endpoint);

 private:
  void saveLocked() const;

  QString m_path;
  mutable std::mutex m_mutex;
  QList<NodeEntry> m_nodes;
};

}  // namespace twb::remote
