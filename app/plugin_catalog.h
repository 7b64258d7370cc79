#pragma once

#include <QList>
#include <QString>
#include <QStringList>
#include <memory>

#include "plugins/plugin_interfaces.h"

class QPluginLoader;

namespace twb::app {

// One library found in a plugin folder: what it offers, or why it is not used.
struct PluginEntry {
  QString file;  // "(built in)" for those linked into the workbench
  QString name;  // from its metadata; the file's name when it has none
  QString version;
  QStringList provides;  // "model format: Tiny text", "node kind: SSH", "report: Markdown"
  QString error;         // empty when loaded
};

// The plugins linked into the workbench (the built-in node kinds and ONNX), then those of the
// installation and of the user, loaded once (plugins/plugin_interfaces.h).
// A library that does not load, is no Tensor Workbench plugin or was built for another interface
// version is listed with the reason; nothing it does takes the workbench down.
class PluginCatalog {
 public:
  explicit PluginCatalog(const QStringList& folders);
  ~PluginCatalog();
  PluginCatalog(const PluginCatalog&) = delete;
  PluginCatalog& operator=(const PluginCatalog&) = delete;

  // The build tree's or installation's plugin folder (beside the executable's lib or build
  // folder), then the user's: $XDG_DATA_HOME/tensor-workbench/plugins.
  static QStringList defaultFolders();

  const QList<PluginEntry>& entries() const { return m_entries; }
  QList<const plugins::ModelFormat*> modelFormats() const { return m_modelFormats; }
  QList<const plugins::ReportFormat*> reportFormats() const { return m_reportFormats; }
  QList<const plugins::NodeKind*> nodeKinds() const { return m_nodeKinds; }
  // The kind of that id; null when no plugin offers it. The first plugin offering an id has it.
  const plugins::NodeKind* nodeKind(const QString& id) const;

 private:
  void load(const QString& path);
  static void readMetaData(const QJsonObject& meta, PluginEntry& entry);
  // Takes what a loaded plugin's root object offers into `entry` and the catalogue; false when
  // it is no plugin of ours (`entry` then says so).
  bool adopt(QObject* root, PluginEntry& entry);

  QList<PluginEntry> m_entries;
  std::vector<std::unique_ptr<QPluginLoader>> m_loaders;
  QList<const plugins::ModelFormat*> m_modelFormats;
  QList<const plugins::ReportFormat*> m_reportFormats;
  QList<const plugins::NodeKind*> m_nodeKinds;
};

}  // namespace twb::app
