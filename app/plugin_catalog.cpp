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
  entry.name = meta.value("MetaData").toObject().value("name").toString(entry.name);
  entry.version = meta.value("MetaData").toObject().value("version").toString();
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
  } else if (const auto* plugin = qobject_cast<plugins::Plugin*>(root); !plugin) {
    entry.error = QCoreApplication::translate("PluginCatalog",
                                              "its root object is no Tensor Workbench plugin");
  } else {
    for (const plugins::ModelFormat* f : plugin->modelFormats()) {
      m_modelFormats.append(f);
      entry.provides
          << QCoreApplication::translate("PluginCatalog", "model format: %1").arg(f->name());
    }
    for (const plugins::ReportFormat* f : plugin->reportFormats()) {
      m_reportFormats.append(f);
      entry.provides << QCoreApplication::translate("PluginCatalog", "report: %1").arg(f->name());
    }
    m_loaders.push_back(std::move(loader));
  }
  m_entries.append(entry);
}

}  // namespace twb::app
