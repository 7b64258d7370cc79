#include "app/plugin_catalog.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QJsonObject>
#include <QLibrary>
#include <QPluginLoader>
#include <QStandardPaths>

namespace twb::app {

PluginCatalog::PluginCatalog(const QStringList& folders) {
  for (const QStaticPlugin& plugin : QPluginLoader::staticPlugins()) {
    const QJsonObject meta = plugin.metaData();
    if (meta.value("IID").toString() != TWB_PLUGIN_IID) continue;  // Qt's own, linked in
    PluginEntry entry{QCoreApplication::translate("PluginCatalog", "(built in)"), {}, {}, {}, {}};
    readMetaData(meta, entry);
    adopt(plugin.instance(), entry);
    m_entries.append(entry);
  }
  for (const QString& folder : folders) {
    const QDir dir(folder);
    for (const QString& file : dir.entryList(QDir::Files, QDir::Name))
      if (QLibrary::isLibrary(file)) load(dir.filePath(file));
  }
}

PluginCatalog::~PluginCatalog() = default;  // the loaders keep the libraries loaded till here

QStringList PluginCatalog::defaultFolders() {
  const QString bin = QCoreApplication::applicationDirPath();
  return {QDir::cleanPath(bin + "/../plugins"),  // the build tree
          QDir::cleanPath(bin + "/../" TWB_INSTALL_LIBDIR
                                "/tensor-workbench/plugins"),  // the installation
          QStandardPaths::writableLocation(QStandardPaths::GenericDataLocation) +
              "/tensor-workbench/plugins"};
}

void PluginCatalog::load(const QString& path) {
  auto loader = std::make_unique<QPluginLoader>(path);
  PluginEntry entry{path, QFileInfo(path).fileName(), {}, {}, {}};
  const QJsonObject meta = loader->metaData();
  const QString iid = meta.value("IID").toString();
  readMetaData(meta, entry);
  if (meta.isEmpty()) {
    entry.error = loader->load()
                      ? QCoreApplication::translate("PluginCatalog", "not a Qt plugin")
                      : QCoreApplication::translate("PluginCatalog", "not a Qt plugin: %1")
                            .arg(loader->errorString());
  } else if (iid != TWB_PLUGIN_IID) {
    entry.error = QCoreApplication::translate("PluginCatalog",
                                              "built for interface %1; this workbench has %2")
                      .arg(iid, TWB_PLUGIN_IID);
  } else if (QObject* root = loader->instance(); !root) {
    entry.error = QCoreApplication::translate("PluginCatalog", "does not load: %1")
                      .arg(loader->errorString());
  } else if (adopt(root, entry)) {
    m_loaders.push_back(std::move(loader));
  }
  m_entries.append(entry);
}

void PluginCatalog::readMetaData(const QJsonObject& meta, PluginEntry& entry) {
  entry.name = meta.value("MetaData").toObject().value("name").toString(entry.name);
  entry.version = meta.value("MetaData").toObject().value("version").toString();
}

bool PluginCatalog::adopt(QObject* root, PluginEntry& entry) {
  const auto* plugin = qobject_cast<plugins::Plugin*>(root);
  if (!plugin) {
    entry.error = QCoreApplication::translate("PluginCatalog",
                                              "its root object is no Tensor Workbench plugin");
    return false;
  }
  for (const plugins::ModelFormat* f : plugin->modelFormats()) {
    m_modelFormats.append(f);
    entry.provides
        << QCoreApplication::translate("PluginCatalog", "model format: %1").arg(f->name());
  }
  for (const plugins::NodeKind* k : plugin->nodeKinds()) {
    if (nodeKind(k->id())) {
      entry.provides << QCoreApplication::translate("PluginCatalog",
                                                    "node kind: %1 (not used: %2 came first)")
                            .arg(k->name(), k->id());
      continue;
    }
    m_nodeKinds.append(k);
    entry.provides << QCoreApplication::translate("PluginCatalog", "node kind: %1").arg(k->name());
  }
  for (const plugins::ReportFormat* f : plugin->reportFormats()) {
    m_reportFormats.append(f);
    entry.provides << QCoreApplication::translate("PluginCatalog", "report: %1").arg(f->name());
  }
  return true;
}

const plugins::NodeKind* PluginCatalog::nodeKind(const QString& id) const {
  for (const plugins::NodeKind* k : m_nodeKinds)
    if (k->id() == id) return k;
  return nullptr;
}

}  // namespace twb::app
