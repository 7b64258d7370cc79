#pragma once

// The workbench's extension points. A plugin is a shared library with one Qt plugin root object
// implementing twb::plugins::Plugin, declared with
//   Q_PLUGIN_METADATA(IID TWB_PLUGIN_IID FILE "my_plugin.json")  // {"name": ..., "version": ...}
//   Q_INTERFACES(twb::plugins::Plugin)
// and put in the installation's plugin folder or the user's ($XDG_DATA_HOME/tensor-workbench/
// plugins). The interface version is part of the IID: a plugin built against another version is
// listed under Help > Plugins with the reason, and not used.

#include <QJsonObject>
#include <QList>
#include <QString>
#include <QStringList>
#include <QtPlugin>

namespace twb::plugins {

// A model file format the designer opens: a file read as a model spec (docs/model-file.md).
class ModelFormat {
 public:
  virtual ~ModelFormat() = default;
  virtual QString name() const = 0;          // as the Open dialog lists it
  virtual QStringList suffixes() const = 0;  // without the dot
  // The model in `path`; an empty object with `error` saying what is wrong and where.
  virtual QJsonObject read(const QString& path, QString* error) const = 0;
};

// A document the Compare tab writes: `report` is
//   {"title": "...", "columns": ["Run", ...], "rows": [["fmnist · fp32", ...], ...]}
// (the table as shown), plus "chart": the chart as a PNG file's path, when there is one.
class ReportFormat {
 public:
  virtual ~ReportFormat() = default;
  virtual QString name() const = 0;
  virtual QString suffix() const = 0;  // without the dot
  virtual bool write(const QJsonObject& report, const QString& path, QString* error) const = 0;
};

// A plugin library's root object: what it offers.
class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual QList<const ModelFormat*> modelFormats() const { return {}; }
  virtual QList<const ReportFormat*> reportFormats() const { return {}; }
};

}  // namespace twb::plugins

#define TWB_PLUGIN_IID "org.tensor-workbench.Plugin/1"
Q_DECLARE_INTERFACE(twb::plugins::Plugin, TWB_PLUGIN_IID)
