#pragma once

#include <QJsonObject>
#include <QPointer>
#include <QThreadPool>
#include <QWidget>

#include "app/model_document.h"
#include "plugins/plugin_interfaces.h"

class QComboBox;
class QDialog;
class QLabel;
class QLineEdit;
class QListWidget;
class QProgressBar;
class QPushButton;

namespace twb::ui {

class DesignerCanvas;
class NodeProperties;

// The Model tab: design a model by drawing it. A palette of the node's ops (searchable;
// double-click adds the op below the selected box and connects it, dragging drops it anywhere),
// the canvas, the selected box's properties, and a status line with what the engine says of the
// model (its totals, or its message, also on the box it names). Undo / redo, lay out, start from
// a template, the job's model, or a spec file; save the spec; group nodes into named blocks that
// collapse into one box; "Use in job" puts it into the Job tab, and is offered only while the
// engine accepts the model.
class ModelDesigner : public QWidget {
  Q_OBJECT

 public:
  explicit ModelDesigner(QWidget* parent = nullptr);

  app::ModelDocument& document() { return m_document; }
  DesignerCanvas* canvas() const { return m_canvas; }
  QListWidget* palette() const { return m_palette; }
  // The palette and the property forms offer `ops` (a node's GetOpCatalog, as
  // remote::fetchOpCatalog gives it) from now on; `source` says whose they are. Until then: the
  // ops of the engine linked into the workbench.
  void setOpCatalog(const QJsonArray& ops, const QString& source);
  // Opens a job's model (template, inline spec or model file: relative to `jobFolder`, the folder
  // of the job file) for editing; false with a message otherwise. A model file opens as
  // openFile() opens it.
  bool openModelOf(const QJsonObject& job, const QString& jobFolder = {});
  // Opens a model spec or job file (JSON); false with the reason in the status line. A file of
  // one of the plugins' model formats is read off the GUI thread (a large ONNX model takes
  // seconds), with a busy bar and Cancel, and `inputShapes` for the sizes it leaves free (those
  // not given are asked for, InputSizesDialog); the model shown stays until fileOpened() says
  // the new one is. False when no plugin reads the file.
  bool openFile(const QString& path, const plugins::InputShapes& inputShapes = {});
  void setModelFormats(const QList<const plugins::ModelFormat*>& formats) { m_formats = formats; }
  // Saves the model as a spec (.json) or in a plugin's format that writes (by the suffix): a
  // model opened from a model file keeps that file's weights where its layers did not change.
  // A plugin's format is written off the GUI thread, with the busy bar (no Cancel: a save does
  // not stop half-written); fileSaved() says when it is done. Says what was written, or why
  // not, in the status line. False when refused at once (no plugin writes the suffix, a spec
  // that cannot be written).
  bool saveFile(const QString& path);
  // Whether the model was edited since it was opened, saved, or put into the job.
  bool hasUnsavedEdits() const { return !m_document.isClean(); }
  // Before the model is replaced or the window closes: true when it has no unsaved edits or the
  // user discards them; false when they keep them.
  bool mayDropEdits();
  // Groups the selected nodes into the block `name` (the Group button, without its dialog);
  // false with the reason in the status line.
  bool groupSelection(const QString& name);
  // Adds `op` as a palette double-click does; returns the new node's name.
  QString addFromPalette(const QString& op);

 signals:
  void useInJob(const QJsonObject& spec);
  void modelOfJobWanted();  // "From job": the window answers with openModelOf()
  // A model file openFile() read is shown (true), or was refused (the reason in the status line)
  // or cancelled (false).
  void fileOpened(const QString& path, bool ok);
  // A save of saveFile() is done (at once for a spec or a refusal): written (true) or not (the
  // reason in the status line).
  void fileSaved(const QString& path, bool ok);

 private:
  void showState();
  // The model file a model was read from: its path (empty: none), the sizes given for what it
  // leaves free, and what the reading changed of what it says.
  struct SourceFile {
    QString path;
    plugins::InputShapes inputShapes;
    QStringList notes;
  };
  // Shows `spec` as a new model (read from `source`, when it was, with its notes over it), or
  // `error` (not empty) in the status line, keeping the model.
  bool openSpec(const QJsonObject& spec, const QString& error, const SourceFile& source = {});
  void readModelFile(const QString& path, const plugins::ModelFormat& format,
                     const plugins::InputShapes& inputShapes);
  // Asks for the sizes `read` lacks; read again with them, or refused when the user cancels.
  void askInputSizes(const QString& path, const plugins::ModelFormat& format,
                     const plugins::ModelRead& read, const plugins::InputShapes& given);
  void showReading(const QString& path);  // empty: none
  void showBusy();                        // the busy bar while a read or a save is in flight
  // `savedAt`: the undo index of the model written; still the current one, the model is saved.
  void showSaved(const QString& path, const QString& note, const QString& error, int savedAt);
  // Stops waiting for the model file being read, if one is: its model is dropped when it comes.
  void abandonReading();
  void chooseFile();
  void chooseSaveFile();
  QStringList blocksOfSelection() const;

  app::ModelDocument m_document;
  QJsonArray m_catalog;
  QList<const plugins::ModelFormat*> m_formats;
  SourceFile m_source;  // the model file the model was opened from
  void fillPalette();

  QLineEdit* m_filter;
  QLabel* m_catalogSource;
  QListWidget* m_palette;
  DesignerCanvas* m_canvas;
  NodeProperties* m_properties;
  QComboBox* m_template;
  QLabel* m_status;
  QLabel* m_fileNotes;  // what reading the model file changed of what it says; hidden: nothing
  QPushButton* m_use;
  QProgressBar* m_reading;
  QPushButton* m_cancelReading;
  QString m_readingPath;     // the model file being read; empty: none
  int m_saves = 0;           // saves in flight
  quint64 m_readTicket = 0;  // the read whose model is wanted: a later ticket drops an earlier's
  QPointer<QDialog> m_askingSizes;  // the sizes of the file being read, while asked for
  // Reads and saves, one at a time in the order they began; last: one in flight ends before
  // the designer is taken apart.
  QThreadPool m_workers;
};

}  // namespace twb::ui
