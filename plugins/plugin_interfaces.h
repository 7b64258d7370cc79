#pragma once

// The workbench's extension points: model formats, node kinds and report formats. A plugin is a
// shared library with one Qt plugin root object implementing twb::plugins::Plugin, declared with
//   Q_PLUGIN_METADATA(IID TWB_PLUGIN_IID FILE "my_plugin.json")  // {"name": ..., "version": ...}
//   Q_INTERFACES(twb::plugins::Plugin)
// and put in the installation's plugin folder or the user's ($XDG_DATA_HOME/tensor-workbench/
// plugins). The interface version is part of the IID: a plugin built against another version is
// listed under Help > Plugins with the reason, and not used.

#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QString>
#include <QStringList>
#include <QtPlugin>
#include <memory>

#include "remote/node_endpoint.h"
#include "remote/node_registry.h"
#include "remote/ssh_target.h"

namespace twb::plugins {

// Sizes given for the dimensions after the batch that a model file leaves free (a text model's
// sequence length), by input name.
using InputShapes = QMap<QString, QList<qint64>>;

// An input whose sizes the file leaves free: its dimensions after the batch, 0 where free, and
// the file's names for them ("sequence"; empty where it names none).
struct FreeInput {
  QString name;
  QList<qint64> dims;
  QStringList symbols;
};

// What ModelFormat::read made of a file.
struct ModelRead {
  QJsonObject spec;   // empty: not read, `error` says why
  QString error;      // what is wrong and where
  QStringList notes;  // what the reading changed of what the file says (a batch it fixes, read
                      // as free): shown to the user with the model
  // Not read for want of these sizes: the designer asks the user and reads again with them.
  QList<FreeInput> freeInputs;
};

// A model file format the designer opens: a file read as a model spec (docs/model-file.md).
class ModelFormat {
 public:
  virtual ~ModelFormat() = default;
  virtual QString name() const = 0;          // as the Open dialog lists it
  virtual QStringList suffixes() const = 0;  // without the dot
  // The model in `path`, with `inputShapes` for the sizes the file leaves free. Called on a
  // worker thread (a large model takes seconds to read): it touches no widget.
  virtual ModelRead read(const QString& path, const InputShapes& inputShapes) const = 0;
  // Whether write() is offered: the designer's Save lists the formats that write.
  virtual bool writes() const { return false; }
  // Writes the model `spec` to `path`, with the weights of `source` (the file the model was
  // opened from, in any format the workbench reads, with the sizes it was read with; empty:
  // none) for every layer the edits left as it was, the others initialised afresh; `note` says
  // which. False with `error` saying why. Called on a worker thread, as read() is.
  virtual bool write(const QJsonObject& spec, const QString& source,
                     const InputShapes& sourceShapes, const QString& path, QString* note,
                     QString* error) const {
    Q_UNUSED(spec)
    Q_UNUSED(source)
    Q_UNUSED(sourceShapes)
    Q_UNUSED(path)
    Q_UNUSED(note)
    *error = QStringLiteral("%1 files are read only").arg(name());
    return false;
  }
};

// The format of `formats` that reads files ending in `suffix` (without the dot); null when none.
inline const ModelFormat* formatReading(const QList<const ModelFormat*>& formats,
                                        const QString& suffix) {
  for (const ModelFormat* format : formats)
    if (format->suffixes().contains(suffix)) return format;
  return nullptr;
}

// What the workbench lends a node kind to reach a node.
struct NodeContext {
  QString engine;          // this machine's twb-engine
  QString bundlePath;      // the engine bundle a kind deploys to nodes that lack it
  QString knownHostsFile;  // the workbench's own known_hosts
  remote::SshPrompts prompts;  // questions to the user (host keys, logins), answered by the GUI
};

// How the workbench reaches one kind of compute node and starts its engine there ("ssh",
// "local"). The node list stores each node's kind by id; the Nodes dialog offers the names.
class NodeKind {
 public:
  virtual ~NodeKind() = default;
  virtual QString id() const = 0;
  virtual QString name() const = 0;
  virtual QString hostHint() const = 0;  // what the node's Host field holds for this kind
  // A place to run jobs on `node`; nothing connects before its connect(). Throws
  // remote::RemoteError when the entry cannot be such a node, naming the field.
  virtual std::shared_ptr<remote::NodeEndpoint> endpoint(const remote::NodeEntry& node,
                                                         const NodeContext& context) const = 0;
};

// A document the Compare tab writes: `report` is
//   {"title": "...", "columns": ["Run", ...], "rows": [["fmnist · fp32", ...], ...],
//    "profiles": [{"run": "fmnist · fp32", "step": 40, "step_ms": 12.5,
//                  "layers": [{"name", "op", "precision", "ms", "share"}, ...],
//                  "other_layers": 3, "other_ms": 0.4, "other_share": 0.03}, ...]}
// (the table as shown; each run's latest step profile, costliest layers first, for the runs that
// have one), plus "chart": the chart as a PNG file's path, when there is one, and "classes":
//   {"names": ["T-shirt/top", ...], "runs": [{"run": "fmnist · fp32", "accuracy": [91.2, ...]}]}
// (each shown run's test accuracy by class in percent, null for a class without samples), when
// a shown run has one.
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
  virtual QList<const NodeKind*> nodeKinds() const { return {}; }
  virtual QList<const ReportFormat*> reportFormats() const { return {}; }
};

}  // namespace twb::plugins

#define TWB_PLUGIN_IID "org.tensor-workbench.Plugin/3"
Q_DECLARE_INTERFACE(twb::plugins::Plugin, TWB_PLUGIN_IID)
