#include <QAction>
#include <QComboBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QJsonArray>
#include <QJsonDocument>
#include <QLineEdit>
#include <QStyle>
#include <QToolTip>
#include <utility>

#include "app/model_graph.h"
#include "ui/form_widgets.h"
#include "ui/input_sizes_dialog.h"
#include "ui/job_form.h"

// The Job tab's Model group: a template with its arguments, or a model file with the sizes it
// leaves free.
namespace twb {
namespace ui {

namespace {
// "ids=128; image=3x224x224", as the Input sizes field shows a model's "input_shape".
QString inputShapeText(const QJsonObject& shapes) {
  QStringList inputs;
  for (auto it = shapes.begin(); it != shapes.end(); ++it) {
    QStringList dims;
    for (const QJsonValue& size : it.value().toArray()) dims << QString::number(size.toInteger());
    inputs << it.key() + "=" + dims.join('x');
  }
  return inputs.join("; ");
}
// "conv*, layer1" as the job's "freeze": the names, trimmed, empty ones left out.
QJsonArray frozenLayersOfText(const QString& text) {
  QJsonArray entries;
  for (const QString& entry : text.split(',', Qt::SkipEmptyParts))
    if (!entry.trimmed().isEmpty()) entries.append(entry.trimmed());
  return entries;
}
}  // namespace

void JobForm::addModelGroup(QFormLayout* model) {
  m_template = comboBox("template", {"mlp", "lenet5", "cnn-small", "resnet18-cifar", "resnet50",
                                     "mobilenet-v2-cifar", "vit-tiny", "lstm"});
  m_template->setEditable(true);  // the node's catalogue may have more
  model->addRow(tr("Template"), m_template);
  m_templateArgs = named(new QLineEdit, "templateArgs");
  m_templateArgs->setPlaceholderText(
      tr("the template's defaults, or e.g. {\"hidden\": [512, 256]}"));
  model->addRow(tr("Template arguments"), m_templateArgs);
  m_modelFile = named(new QLineEdit, "modelFile");
  m_modelFile->setPlaceholderText(tr("optional: a .twbm or .onnx model instead of the template"));
  addChooser(m_modelFile, "chooseModelFile",
             tr("Choose a model file of this machine (.twbm or .onnx)"), [this]() -> QString {
               const QString path = QFileDialog::getOpenFileName(
                   this, tr("Model file"),
                   QFileInfo(app::resolvedModelFile(m_modelFile->text().trimmed(), m_jobFolder))
                       .absolutePath(),
                   tr("Models (*.twbm *.onnx)"));
               if (!path.isEmpty()) askFreeSizes(path, false);  // answered once the field holds it
               return path;
             });
  model->addRow(tr("Model file"), withError(m_modelFile, m_modelError));
  m_inputShape = named(new QLineEdit, "modelInputShape");
  m_inputShape->setPlaceholderText(
      tr("for an ONNX file that leaves sizes free, e.g. ids=128; image=3x224x224"));
  m_inputShape->setToolTip(
      tr("Each input's dimensions after the batch, as NAME=D1xD2..., "
         "inputs separated by ';'"));
  m_askSizes = m_inputShape->addAction(style()->standardIcon(QStyle::SP_FileDialogContentsView),
                                       QLineEdit::TrailingPosition);
  m_askSizes->setObjectName("askInputSizes");
  m_askSizes->setToolTip(tr("Read the model file here and ask for the sizes it leaves free"));
  connect(m_askSizes, &QAction::triggered, this,
          [this] { askFreeSizes(m_modelFile->text().trimmed(), true); });
  model->addRow(tr("Input sizes"),
                withError(m_inputShape, fieldError("modelInputShapeError", {"model.input_shape"})));
  connect(m_inputShape, &QLineEdit::textEdited, this, &JobForm::writeInputShape);
  m_frozenLayers = named(new QLineEdit, "frozenLayers");
  m_frozenLayers->setPlaceholderText(
      tr("none: every layer trains; to fine-tune, e.g. conv*, layer1"));
  m_frozenLayers->setToolTip(
      tr("Layers held still while the rest trains: names of the model's layers or blocks, or "
         "patterns of them with * and ?, separated by commas"));
  model->addRow(tr("Frozen layers"),
                withError(m_frozenLayers, fieldError("frozenLayersError", {"freeze"})));
  connect(m_frozenLayers, &QLineEdit::textEdited, this, &JobForm::writeFrozenLayers);
  connect(m_template, &QComboBox::currentTextChanged, this, &JobForm::writeModel);
  connect(m_templateArgs, &QLineEdit::textEdited, this, &JobForm::writeModel);
  connect(m_modelFile, &QLineEdit::textChanged, this, &JobForm::writeModel);
  connect(m_modelFile, &QLineEdit::textChanged, this, &JobForm::enableTemplateFields);
  m_fields.addShower([this] { showModel(); });
}

void JobForm::showModel() {
  // A job with a model file keeps the last template on offer for when the file is cleared.
  if (m_document.contains("model.template"))
    m_template->setCurrentText(m_document.value("model.template").toString());
  const QJsonValue args = m_document.value("model.args");
  m_templateArgs->setText(
      args.isObject()
          ? QString::fromUtf8(QJsonDocument(args.toObject()).toJson(QJsonDocument::Compact))
          : QString());
  m_modelFile->setText(m_document.value("model.file").toString());
  m_inputShape->setText(inputShapeText(m_document.value("model.input_shape").toObject()));
  // The list as typed stays as typed ("fc1,fc2" is not respaced) while it says the same.
  const QJsonValue frozen = m_document.value("freeze");
  if (frozenLayersOfText(m_frozenLayers->text()) != frozen.toArray()) {
    QStringList names;
    for (const QJsonValue& entry : frozen.toArray()) names << entry.toString();
    m_frozenLayers->setText(names.join(", "));
  }
  enableTemplateFields();
}

void JobForm::enableTemplateFields() {
  // The template is the model only without a model file or an inline spec (edited under
  // Advanced or in the designer); otherwise a template chosen would change nothing.
  const bool inlineSpec = m_document.contains("model.spec");
  const bool file = !m_modelFile->text().trimmed().isEmpty();
  m_template->setEnabled(!inlineSpec && !file);
  m_templateArgs->setEnabled(!inlineSpec && !file);
  m_askSizes->setEnabled(file);
  m_template->setToolTip(
      file         ? tr("The model file stands in for the template: clear it to choose one.")
      : inlineSpec ? tr("This job's model is an inline spec: see Advanced.")
                   : QString());
}

void JobForm::writeInputShape() {
  if (m_fields.showing()) return;
  m_fieldProblems.remove("model.input_shape");
  const QString text = m_inputShape->text().trimmed();
  if (text.isEmpty()) {
    m_document.remove("model.input_shape");
    return edited();
  }
  QString error;
  const QJsonObject shapes = app::inputShapeOfText(text, &error);
  if (!error.isEmpty()) {
    m_fieldProblems["model.input_shape"] = error;
    return check();
  }
  m_document.set("model.input_shape", shapes);
  edited();
}

void JobForm::writeFrozenLayers() {
  if (m_fields.showing()) return;
  const QJsonArray entries = frozenLayersOfText(m_frozenLayers->text());
  if (entries.isEmpty())
    m_document.remove("freeze");
  else
    m_document.set("freeze", entries);
  edited();
}

void JobForm::writeModel() {
  if (m_fields.showing()) return;
  const QString file = m_modelFile->text().trimmed();
  m_fieldProblems.remove("model.args");
  if (!file.isEmpty()) {
    // An inline spec is kept aside while a file stands in for it, and comes back without one.
    if (!m_document.contains("model.file")) m_parkedSpec = m_document.value("model.spec");
    for (const char* other : {"model.template", "model.args", "model.spec"})
      m_document.remove(other);
    m_document.set("model.file", file);
    return edited();
  }
  m_document.remove("model.file");
  if (!m_parkedSpec.isUndefined() && !m_document.contains("model.spec")) {
    m_document.set("model.spec", std::exchange(m_parkedSpec, QJsonValue(QJsonValue::Undefined)));
    m_fields.showQuietly([this] { showModel(); });
  }
  if (m_document.contains("model.spec")) return edited();
  m_document.set("model.template", m_template->currentText().trimmed());
  const QString argsText = m_templateArgs->text().trimmed();
  if (argsText.isEmpty()) {
    m_document.remove("model.args");
    return edited();
  }
  QJsonParseError error{};
  const QJsonDocument args = QJsonDocument::fromJson(argsText.toUtf8(), &error);
  if (!args.isObject()) {
    m_fieldProblems["model.args"] =
        tr("Template arguments are a JSON object, e.g. {\"hidden\": [512, 256]}: %1")
            .arg(error.error ? error.errorString() : tr("not an object"));
    return check();
  }
  m_fieldProblems.remove("model.args");
  m_document.set("model.args", args.object());
  edited();
}

void JobForm::askFreeSizes(const QString& named, bool asked) {
  const QString path = app::resolvedModelFile(named, m_jobFolder);
  const QString suffix = QFileInfo(path).suffix().toLower();
  const plugins::ModelFormat* format = plugins::formatReading(m_formats, suffix);
  if (!format) {  // the node reads it, and its check says what is wrong
    if (asked) tellAboutSizes(tr("No plugin reads .%1 files here (Help > Plugins).").arg(suffix));
    return;
  }
  QString unreadable;  // sizes the node refuses: none are given here, the node's check says why
  const plugins::InputShapes given = app::inputShapesOfJob(job(), &unreadable);
  const quint64 ticket = ++m_sizesTicket;
  // Off the GUI thread: a large model takes seconds to read.
  m_readers.start([this, format, named, path, given, ticket, asked] {
    const plugins::ModelRead read = format->read(path, given);
    QMetaObject::invokeMethod(this, [this, named, path, given, read, ticket, asked] {
      // Stale when another file was chosen or typed meanwhile.
      if (ticket != m_sizesTicket || m_modelFile->text().trimmed() != named) return;
      if (read.freeInputs.isEmpty()) {
        if (asked)
          tellAboutSizes(!read.error.isEmpty() ? read.error
                                               : tr("%1 leaves no size free beyond those given.")
                                                     .arg(QFileInfo(path).fileName()));
        return;
      }
      auto* dialog = new InputSizesDialog(QFileInfo(path).fileName(), read.freeInputs,
                                          tr("Use these sizes"), this);
      dialog->setAttribute(Qt::WA_DeleteOnClose);
      connect(dialog, &QDialog::accepted, this, [this, dialog, given] {
        plugins::InputShapes shapes = given;
        shapes.insert(dialog->shapes());
        giveInputShapes(shapes);
      });
      dialog->open();  // cancelled, the field's problem says what to give
    });
  });
}

void JobForm::tellAboutSizes(const QString& message) {
  QToolTip::showText(m_inputShape->mapToGlobal(QPoint(0, m_inputShape->height())), message,
                     m_inputShape);
}

void JobForm::giveInputShapes(const plugins::InputShapes& shapes) {
  QJsonObject json;
  for (auto it = shapes.begin(); it != shapes.end(); ++it) {
    QJsonArray dims;
    for (const qint64 size : it.value()) dims.append(size);
    json.insert(it.key(), dims);
  }
  m_fieldProblems.remove("model.input_shape");
  m_document.set("model.input_shape", json);
  m_inputShape->setText(inputShapeText(json));
  edited();
}

}  // namespace ui
}  // namespace twb
