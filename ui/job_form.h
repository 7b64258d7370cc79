#pragma once

#include <QHash>
#include <QJsonObject>
#include <QList>
#include <QThreadPool>
#include <QWidget>

#include "app/job_document.h"
#include "plugins/plugin_interfaces.h"
#include "ui/field_bindings.h"

class QAction;
class QCheckBox;
class QComboBox;
class QFormLayout;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;
class QTimer;

namespace twb {
namespace ui {

class NodeChecklist;

class JobJsonEditor;

// The job configuration (docs/job-file.md): on the left a form for the fields people change
// (node, model, dataset and augmentation, precision, optimizer, schedule, cadences), on the right
// the Advanced editor with the whole job file as JSON. Both edit one document and nothing else:
// a field the form does not show is kept as it was, so a job opened and run is exactly the file
// and a job opened and saved is the same document. Every change is checked at once where the
// form can tell and then by the node's dry run (ValidateJob); a problem shows under the field it
// concerns and in the editor at its line, and the Run button stays disabled until it is fixed.
class JobForm : public QWidget {
  Q_OBJECT

 public:
  explicit JobForm(QWidget* parent = nullptr);

  // The job a new form starts with (File > New job): the Fashion-MNIST mlp for one epoch.
  static QJsonObject newJob();
  QJsonObject job() const { return m_document.json(); }
  void setJob(const QJsonObject& job);
  // Writes each value at its dotted path as if typed there (paths moved to another folder),
  // checked once.
  void setValues(const QList<QPair<QString, QJsonValue>>& values);
  // Whether the job differs from the one last opened or saved (markSaved()), the editor's typing
  // not read yet included.
  bool hasUnsavedChanges() const;
  void markSaved();
  // Reads the editor's typing into the job now; false while its text is no job (the editor says
  // where it breaks).
  bool readTyping();
  // The plugins' model file readers: a file chosen with the Model file's button is read here for
  // the sizes it leaves free, which are asked for at once (as the Model tab does).
  void setModelFormats(const QList<const plugins::ModelFormat*>& formats) { m_formats = formats; }
  // The folder of the job file opened or saved: a relative model file is read from there, as
  // the node and `twb-engine train FILE` read it; the job is checked again.
  void setJobFolder(const QString& folder);
  QString node() const;                     // where to run: "local" or a saved node's name
  void setNodes(const QStringList& names);  // the saved nodes, offered after "local"
  // Chooses where to run; false (nothing changed) when `name` is not one of the offered nodes.
  bool chooseNode(const QString& name);
  QStringList offeredNodes() const;
  // What `node` said about itself (GetNodeInfo): its cores say what "threads: all cores" means
  // there, its matmul peaks whether the chosen precision is slower than fp32 there.
  void setNodeInfo(const QString& node, const QJsonObject& info);
  bool isValid() const { return m_valid; }
  // A check on the node is pending (the answer to the latest question has not come).
  bool isChecking() const { return m_checking; }
  JobJsonEditor* advancedEditor() const { return m_advanced; }
  QLabel* precisionNote() const { return m_precisionNote; }
  QLabel* threadsNote() const { return m_threadsNote; }
  QLabel* memoryNote() const { return m_memoryNote; }
  // The logical cores of the fewest-cored node the job runs on, as far as the nodes said; 0 when
  // none did.
  int fewestCores() const;

 public slots:
  // The node's answer to validationRequested(ticket).
  void showValidation(int ticket, bool ok, const QString& path, const QString& message,
                      const QJsonObject& summary);
  // How far the node has checked a sweep's trials.
  void showValidationProgress(int ticket, int done, int total);

 signals:
  void validationRequested(const QJsonObject& job, int ticket, const QString& node);
  void runRequested(const QJsonObject& job, const QString& node);
  void comparePrecisionsRequested(const QJsonObject& job, const QString& node);
  void measureScalingRequested(const QJsonObject& job, const QString& node);
  void changed();  // the job or the editor's text: hasUnsavedChanges() may have changed

 private:
  QWidget* buildForm();
  // Strategy, ranks and the communication options (data parallel only; job_form_parallel.cpp).
  void addParallelGroup(QFormLayout* parallel);
  // parallel.hierarchical: auto, yes or no.
  QComboBox* hierarchicalChoice();
  void addIntegerRow(QFormLayout* form, const QString& label, QSpinBox* spin, const QString& path,
                     int engineDefault);
  void showDocument();  // every field from the document
  // Template, arguments, model file and its input sizes (job_form_model.cpp).
  void addModelGroup(QFormLayout* model);
  void showModel();  // template, arguments and model file from the document
  void enableTemplateFields();
  void writeModel();
  void writeInputShape();  // "ids=128; image=3x224x224" as the model's "input_shape"
  void writeFrozenLayers();  // "conv*, layer1" as the job's "freeze"
  // Reads the model file `named` (from the job's folder when relative) for the sizes it leaves
  // free beyond those the job gives and asks for them; `asked` (the Input sizes field's button):
  // what stops it, or that none is free, is said too.
  void askFreeSizes(const QString& named, bool asked);
  void tellAboutSizes(const QString& message);  // beneath the Input sizes field, for a while
  void giveInputShapes(const plugins::InputShapes& shapes);  // the answer, into the field and job
  void writeDataset();
  void edited();  // the document changed: the editor follows, the node checks it
  void check();
  void showProblem(const QString& path, const QString& message);
  QLabel* errorLabelFor(const QString& path) const;
  // A label for the problems of the fields at `paths`, shown under its field.
  QLabel* fieldError(const char* name, std::initializer_list<QString> paths);
  void showNodeFacts();  // threads, the precision note and the devices, for the chosen node
  void showThreadsNote();
  // From a check's answer: where the estimate passes what the node has for each rank.
  void showMemoryNote(const QJsonObject& summary);
  static QString memoryAmount(double bytes);  // "9.1 MiB", "687.7 GiB"
  // The device choices: the node's own choice, the CPU, each GPU the node reported, and the
  // job's own value when it names none of these (the node judges it).
  void offerDevices();

  app::JobDocument m_document;
  QHash<QString, QString> m_fieldProblems;  // fields whose text is not a value yet, by path
  FieldBindings m_fields{m_document, [this] { edited(); },
                         [this](const QString& path, const QString& message) {
                           if (message.isEmpty()) return void(m_fieldProblems.remove(path));
                           m_fieldProblems[path] = message;
                           check();
                         },
                         nullptr};
  QHash<QString, QJsonObject> m_nodeInfo;  // per node
  QJsonObject m_parkedParallel;  // data parallel's options while one worker is chosen
  QJsonValue m_parkedSpec{QJsonValue::Undefined};  // an inline model spec while a file replaces it

  QComboBox *m_node, *m_template, *m_optimizer, *m_precision, *m_device;
  NodeChecklist* m_nodes;  // the nodes a data-parallel job runs across
  QLineEdit *m_modelFile, *m_inputShape, *m_templateArgs, *m_dataset, *m_testData, *m_lr;
  QLineEdit* m_frozenLayers;
  QAction* m_askSizes;  // the Input sizes field's button: asks for the model file's free sizes
  QSpinBox *m_cropPadding, *m_threads, *m_batch;
  QCheckBox* m_flip;
  QWidget* m_formArea;
  QLabel* m_precisionNote;  // a precision slower than fp32 on the node, and why
  QLabel* m_threadsNote;    // more threads than the node has cores
  QLabel* m_memoryNote;     // training needs more memory than the node has for a rank
  QLabel *m_modelError, *m_datasetError, *m_optimizerError, *m_lrError, *m_batchError, *m_nodeError,
      *m_generalError, *m_summary;
  QList<QLabel*> m_errorLabels;
  QHash<QString, QLabel*> m_fieldErrors;  // by exact path, before the wider rules
  JobJsonEditor* m_advanced;
  QPushButton *m_run, *m_compare, *m_scaling;
  QTimer* m_debounce;
  int m_ticket = 0;
  bool m_valid = false;
  bool m_checking = false;
  QList<const plugins::ModelFormat*> m_formats;
  QString m_jobFolder;  // see setJobFolder()
  QJsonObject m_savedJob;     // as last opened or saved
  quint64 m_sizesTicket = 0;  // the latest file read for its free sizes
  QThreadPool m_readers;      // last: waits for a read in flight before the rest goes
};

}  // namespace ui
}  // namespace twb
