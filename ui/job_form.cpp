#include "ui/job_form.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>

namespace twb {
namespace ui {

namespace {
QLabel* makeErrorLabel(QWidget* parent) {
  auto* label = new QLabel(parent);
  label->setStyleSheet("color: #c62828;");
  label->setWordWrap(true);
  label->hide();
  return label;
}

// A field and the label that shows its problem, stacked.
QWidget* withError(QWidget* field, QLabel* error) {
  auto* box = new QWidget;
  auto* layout = new QVBoxLayout(box);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(2);
  layout->addWidget(field);
  layout->addWidget(error);
  return box;
}
}  // namespace

JobForm::JobForm(QWidget* parent) : QWidget(parent) {
  m_name = new QLineEdit("fmnist-mlp", this);
  m_node = new QComboBox(this);
  m_node->setObjectName("node");
  m_node->addItem(tr("local (this machine)"), "local");
  m_template = new QComboBox(this);
  m_template->addItems({"mlp", "lenet5", "cnn-small", "resnet18-cifar"});
  m_modelFile = new QLineEdit(this);
  m_modelFile->setObjectName("modelFile");
  m_modelFile->setPlaceholderText(tr("optional: a .twbm model file instead of the template"));
  m_dataset = new QLineEdit("fashion-mnist", this);
  m_dataset->setToolTip(tr("fashion-mnist, idx:DIR, cifar10:DIR, csv:FILE or synthetic:SHAPE:CLASSES"));
  m_precision = new QComboBox(this);
  m_precision->addItems({"fp32", "bf16", "int8"});
  m_optimizer = new QComboBox(this);
  m_optimizer->addItems({"sgd", "adam", "adamw"});
  m_lr = new QDoubleSpinBox(this);
  m_lr->setDecimals(5);
  m_lr->setRange(0, 10);
  m_lr->setSingleStep(0.001);
  m_lr->setValue(0.05);
  m_batch = new QSpinBox(this);
  m_batch->setRange(0, 65536);
  m_batch->setValue(128);
  m_epochs = new QSpinBox(this);
  m_epochs->setRange(0, 10000);
  m_epochs->setValue(1);
  m_maxSteps = new QSpinBox(this);
  m_maxSteps->setRange(0, 100000000);
  m_maxSteps->setSpecialValueText(tr("no limit"));
  m_seed = new QSpinBox(this);
  m_seed->setRange(0, 1000000);
  m_seed->setValue(1);
  m_logEvery = new QSpinBox(this);
  m_logEvery->setRange(1, 100000);
  m_logEvery->setValue(10);
  m_schedule = new QComboBox(this);
  m_schedule->setObjectName("schedule");
  m_schedule->addItems({"constant", "cosine", "step"});
  m_warmup = new QSpinBox(this);
  m_warmup->setObjectName("warmup");
  m_warmup->setRange(0, 1000000);
  m_evalEvery = new QSpinBox(this);
  m_evalEvery->setObjectName("evalEvery");
  m_evalEvery->setRange(0, 1000000);
  m_evalEvery->setSpecialValueText(tr("each epoch"));
  m_checkpointEvery = new QSpinBox(this);
  m_checkpointEvery->setObjectName("checkpointEvery");
  m_checkpointEvery->setRange(0, 1000000);
  m_checkpointEvery->setSpecialValueText(tr("at the end"));
  // The strategies the engine runs today; the others arrive with their issue.
  m_strategy = new QComboBox(this);
  m_strategy->setObjectName("strategy");
  m_strategy->addItem(tr("single worker"), "single");
  m_profileEvery = new QSpinBox(this);
  m_profileEvery->setObjectName("profileEvery");
  m_profileEvery->setRange(0, 1000000);
  m_profileEvery->setValue(50);
  m_profileEvery->setSpecialValueText(tr("off"));
  m_name->setObjectName("name");
  m_template->setObjectName("template");
  m_dataset->setObjectName("dataset");
  m_precision->setObjectName("precision");
  m_optimizer->setObjectName("optimizer");
  m_lr->setObjectName("lr");
  m_batch->setObjectName("batch");
  m_epochs->setObjectName("epochs");
  m_maxSteps->setObjectName("maxSteps");
  m_seed->setObjectName("seed");
  m_logEvery->setObjectName("logEvery");

  m_modelError = makeErrorLabel(this);
  m_datasetError = makeErrorLabel(this);
  m_lrError = makeErrorLabel(this);
  m_batchError = makeErrorLabel(this);
  m_generalError = makeErrorLabel(this);
  m_nodeError = makeErrorLabel(this);
  m_nodeError->setObjectName("nodeError");
  m_modelError->setObjectName("modelError");
  m_datasetError->setObjectName("datasetError");
  m_lrError->setObjectName("lrError");
  m_batchError->setObjectName("batchError");
  m_generalError->setObjectName("generalError");
  m_summary = new QLabel(this);
  m_summary->setObjectName("summary");

  auto* form = new QFormLayout;
  form->addRow(tr("Run name"), m_name);
  form->addRow(tr("Node"), withError(m_node, m_nodeError));
  form->addRow(tr("Model template"), m_template);
  form->addRow(tr("Model file"), withError(m_modelFile, m_modelError));
  form->addRow(tr("Dataset"), withError(m_dataset, m_datasetError));
  form->addRow(tr("Parallel strategy"), m_strategy);
  form->addRow(tr("Precision"), m_precision);
  form->addRow(tr("Optimizer"), m_optimizer);
  form->addRow(tr("Learning rate"), withError(m_lr, m_lrError));
  form->addRow(tr("Schedule"), m_schedule);
  form->addRow(tr("Warm-up steps"), m_warmup);
  form->addRow(tr("Batch size"), withError(m_batch, m_batchError));
  form->addRow(tr("Epochs"), m_epochs);
  form->addRow(tr("Step budget"), m_maxSteps);
  form->addRow(tr("Seed"), m_seed);
  form->addRow(tr("Log every (steps)"), m_logEvery);
  form->addRow(tr("Evaluate every (steps)"), m_evalEvery);
  form->addRow(tr("Checkpoint every (steps)"), m_checkpointEvery);
  form->addRow(tr("Profile every (steps)"), m_profileEvery);

  m_run = new QPushButton(tr("&Run"), this);
  m_run->setObjectName("run");
  m_compare = new QPushButton(tr("&Compare precisions"), this);
  m_compare->setObjectName("comparePrecisions");
  m_compare->setToolTip(tr("Train in fp32 and bf16 from the same initial weights, then quantize "
                           "the fp32 result to int8"));
  auto* buttons = new QHBoxLayout;
  buttons->addStretch();
  buttons->addWidget(m_compare);
  buttons->addWidget(m_run);

  auto* layout = new QVBoxLayout(this);
  layout->addLayout(form);
  layout->addWidget(m_generalError);
  layout->addWidget(m_summary);
  layout->addStretch();
  layout->addLayout(buttons);

  m_debounce = new QTimer(this);
  m_debounce->setSingleShot(true);
  m_debounce->setInterval(250);
  connect(m_debounce, &QTimer::timeout, this,
          [this] { emit validationRequested(job(), ++m_ticket, node()); });
  for (auto* edit : {m_name, m_dataset, m_modelFile}) connect(edit, &QLineEdit::textChanged, this, &JobForm::changed);
  for (auto* combo : {m_template, m_precision, m_optimizer, m_node, m_schedule, m_strategy})
    connect(combo, &QComboBox::currentIndexChanged, this, &JobForm::changed);
  connect(m_lr, &QDoubleSpinBox::valueChanged, this, &JobForm::changed);
  for (auto* spin : {m_batch, m_epochs, m_maxSteps, m_seed, m_logEvery, m_profileEvery, m_warmup,
                     m_evalEvery, m_checkpointEvery})
    connect(spin, &QSpinBox::valueChanged, this, &JobForm::changed);
  connect(m_run, &QPushButton::clicked, this, [this] { emit runRequested(job(), node()); });
  connect(m_compare, &QPushButton::clicked, this,
          [this] { emit comparePrecisionsRequested(job(), node()); });
  QTimer::singleShot(0, this, &JobForm::changed);
}

QJsonObject JobForm::job() const {
  const QString modelFile = m_modelFile->text().trimmed();
  QJsonObject job{{"name", m_name->text()},
                  {"model", modelFile.isEmpty() ? QJsonObject{{"template", m_template->currentText()}}
                                                : QJsonObject{{"file", modelFile}}},
                  {"dataset", m_dataset->text()},
                  {"precision", m_precision->currentText()},
                  {"optimizer", QJsonObject{{"type", m_optimizer->currentText()},
                                            {"lr", m_lr->value()}}},
                  {"batch", m_batch->value()},
                  {"epochs", m_epochs->value()},
                  {"seed", m_seed->value()},
                  {"log_every_steps", m_logEvery->value()},
                  {"profile", QJsonObject{{"every_steps", m_profileEvery->value()}}},
                  {"schedule", QJsonObject{{"type", m_schedule->currentText()},
                                           {"warmup_steps", m_warmup->value()}}},
                  {"eval", QJsonObject{{"every_epoch", true}, {"every_steps", m_evalEvery->value()}}},
                  {"checkpoint", QJsonObject{{"every_steps", m_checkpointEvery->value()}}},
                  {"parallel", QJsonObject{{"strategy", m_strategy->currentData().toString()}}},
                  {"threads", 2}};
  if (m_maxSteps->value() > 0) job["max_steps"] = m_maxSteps->value();
  return job;
}

void JobForm::setJob(const QJsonObject& job) {
  m_name->setText(job.value("name").toString(m_name->text()));
  const QJsonObject model = job.value("model").toObject();
  m_template->setCurrentText(model.value("template").toString("mlp"));
  m_modelFile->setText(model.value("file").toString());
  m_dataset->setText(job.value("dataset").toString("fashion-mnist"));
  m_precision->setCurrentText(job.value("precision").toString("fp32"));
  const QJsonObject optimizer = job.value("optimizer").toObject();
  m_optimizer->setCurrentText(optimizer.value("type").toString("sgd"));
  m_lr->setValue(optimizer.value("lr").toDouble(0.01));
  m_batch->setValue(job.value("batch").toInt(64));
  m_epochs->setValue(job.value("epochs").toInt(1));
  m_maxSteps->setValue(job.value("max_steps").toInt(0));
  m_seed->setValue(job.value("seed").toInt(0));
  m_logEvery->setValue(job.value("log_every_steps").toInt(10));
  m_profileEvery->setValue(job.value("profile").toObject().value("every_steps").toInt(0));
  const QJsonObject schedule = job.value("schedule").toObject();
  m_schedule->setCurrentText(schedule.value("type").toString("constant"));
  m_warmup->setValue(schedule.value("warmup_steps").toInt(0));
  m_evalEvery->setValue(job.value("eval").toObject().value("every_steps").toInt(0));
  m_checkpointEvery->setValue(job.value("checkpoint").toObject().value("every_steps").toInt(0));
}

QString JobForm::node() const { return m_node->currentData().toString(); }

void JobForm::setNodes(const QStringList& names) {
  const QString current = node();
  const QSignalBlocker blocker(m_node);
  while (m_node->count() > 1) m_node->removeItem(1);
  for (const QString& name : names) m_node->addItem(name, name);
  m_node->setCurrentIndex(std::max(0, m_node->findData(current)));
}

void JobForm::changed() {
  for (QLabel* label : {m_modelError, m_datasetError, m_lrError, m_batchError, m_nodeError, m_generalError})
    label->hide();
  m_summary->clear();
  m_valid = false;
  m_run->setEnabled(false);
  m_compare->setEnabled(false);
  ++m_ticket;  // answers to earlier questions are stale now
  // What the form can tell at once; the node checks the rest.
  if (m_lr->value() <= 0) return showProblem("optimizer.lr", tr("The learning rate must be greater than 0."));
  if (m_batch->value() <= 0) return showProblem("batch", tr("The batch size must be at least 1."));
  if (m_dataset->text().trimmed().isEmpty()) return showProblem("dataset", tr("Choose a dataset."));
  m_summary->setText(tr("Checking on the node…"));
  m_debounce->start();
}

void JobForm::showValidation(int ticket, bool ok, const QString& path, const QString& message,
                             const QJsonObject& summary) {
  if (ticket != m_ticket) return;
  if (!ok) {
    m_summary->clear();
    return showProblem(path, message);
  }
  m_valid = true;
  m_run->setEnabled(true);
  m_compare->setEnabled(m_precision->currentText() == "fp32");
  m_summary->setText(tr("%1 parameters · %2 GFLOP per step · ~%3 MiB · %4 steps")
                         .arg(QLocale().toString(summary.value("parameters").toDouble(), 'f', 0))
                         .arg(summary.value("flops_per_step").toDouble() / 1e9, 0, 'f', 2)
                         .arg(summary.value("memory_bytes").toDouble() / (1 << 20), 0, 'f', 1)
                         .arg(summary.value("total_steps").toDouble(), 0, 'f', 0));
}

QLabel* JobForm::errorLabelFor(const QString& path) const {
  if (path.startsWith("model")) return m_modelError;
  if (path.startsWith("dataset") || path.startsWith("train_data") || path.startsWith("test_data"))
    return m_datasetError;
  if (path.startsWith("optimizer.lr")) return m_lrError;
  if (path.startsWith("batch")) return m_batchError;
  if (path == "node") return m_nodeError;
  return m_generalError;
}

void JobForm::showProblem(const QString& path, const QString& message) {
  QLabel* label = errorLabelFor(path);
  label->setText(message);
  label->show();
}

}  // namespace ui
}  // namespace twb
