#include "ui/job_form.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QJsonArray>
#include <QLabel>
#include <QLineEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QSplitter>
#include <QStandardItemModel>
#include <QTimer>
#include <QVBoxLayout>
#include <algorithm>

#include "ui/field_bindings.h"
#include "ui/form_widgets.h"
#include "ui/job_json_editor.h"
#include "ui/node_checklist.h"
#include "ui/wheel_scrolls_form.h"

namespace twb {
namespace ui {

QJsonObject JobForm::newJob() {
  return {{"name", "fmnist-mlp"},
          {"model", QJsonObject{{"template", "mlp"}}},
          {"dataset", "fashion-mnist"},
          {"precision", "fp32"},
          {"optimizer", QJsonObject{{"type", "sgd"}, {"lr", 0.05}}},
          {"batch", 128},
          {"epochs", 1},
          {"seed", 1},
          {"profile", QJsonObject{{"every_steps", 50}}}};
}

namespace {
// The groups' labels as wide as the widest of them, so every field starts in one column.
void alignFieldColumns(const QList<QFormLayout*>& forms) {
  int widest = 0;
  for (QFormLayout* form : forms)
    for (int row = 0; row < form->rowCount(); ++row)
      if (QLayoutItem* label = form->itemAt(row, QFormLayout::LabelRole))
        widest = std::max(widest, label->sizeHint().width());
  for (QFormLayout* form : forms)
    for (int row = 0; row < form->rowCount(); ++row)
      if (QLayoutItem* label = form->itemAt(row, QFormLayout::LabelRole); label && label->widget())
        label->widget()->setMinimumWidth(widest);
}
}  // namespace

JobForm::JobForm(QWidget* parent) : QWidget(parent) {
  m_modelError = makeErrorLabel("modelError", this);
  m_datasetError = makeErrorLabel("datasetError", this);
  m_optimizerError = makeErrorLabel("optimizerError", this);
  m_lrError = makeErrorLabel("lrError", this);
  m_batchError = makeErrorLabel("batchError", this);
  m_nodeError = makeErrorLabel("nodeError", this);
  m_generalError = makeErrorLabel("generalError", this);
  m_errorLabels = {m_modelError, m_datasetError, m_optimizerError, m_lrError,
                   m_batchError, m_nodeError,    m_generalError};
  m_summary = named(new QLabel(this), "summary");
  m_summary->setWordWrap(true);
  // Beside Run, where the user looks before starting it (the fields it is about may be anywhere).
  m_memoryNote = named(new QLabel(this), "memoryNote");
  m_memoryNote->setStyleSheet("color: #c06c00;");
  m_memoryNote->setWordWrap(true);
  m_memoryNote->hide();

  m_advanced = new JobJsonEditor(this);
  auto* advancedBox = new QGroupBox(tr("Advanced: the job file (every field)"));
  auto* advancedLayout = new QVBoxLayout(advancedBox);
  advancedLayout->addWidget(m_advanced);
  auto* scroll = new QScrollArea;
  scroll->setWidgetResizable(true);
  scroll->setFrameShape(QFrame::NoFrame);
  scroll->setWidget(m_formArea = buildForm());
  letTheWheelScrollTheForm(m_formArea);
  auto* splitter = new QSplitter(Qt::Horizontal, this);
  splitter->addWidget(scroll);
  splitter->addWidget(advancedBox);
  splitter->setStretchFactor(0, 3);
  splitter->setStretchFactor(1, 2);

  m_run = named(new QPushButton(tr("&Run"), this), "run");
  m_compare = named(new QPushButton(tr("&Compare precisions"), this), "comparePrecisions");
  m_compare->setToolTip(
      tr("Train in fp32 and bf16 from the same initial weights, then quantize "
         "the fp32 result to int8"));
  m_scaling = named(new QPushButton(tr("Measure &scaling"), this), "measureScaling");
  m_scaling->setToolTip(
      tr("Train data parallel on 1, 2, 4, … ranks a node (and, across nodes, on 1, 2, 4, … of "
         "the checked nodes) for up to 300 steps each, one run at a time, in a project of its "
         "own: Compare shows how the throughput scales"));
  auto* summary = new QVBoxLayout;
  summary->addWidget(m_summary);
  summary->addWidget(m_memoryNote);
  auto* buttons = new QHBoxLayout;
  buttons->addLayout(summary, 1);
  buttons->addWidget(m_scaling);
  buttons->addWidget(m_compare);
  buttons->addWidget(m_run);

  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter, 1);
  layout->addWidget(m_generalError);
  layout->addLayout(buttons);

  m_debounce = new QTimer(this);
  m_debounce->setSingleShot(true);
  m_debounce->setInterval(250);
  connect(m_debounce, &QTimer::timeout, this, [this] {
    m_checking = true;
    emit validationRequested(job(), ++m_ticket, node());
  });
  connect(m_node, &QComboBox::currentIndexChanged, this, [this] {
    showNodeFacts();
    check();
  });
  connect(m_advanced, &JobJsonEditor::edited, this, [this](const QJsonObject& typed) {
    m_document.reset(typed);
    showDocument();
    check();
  });
  connect(m_advanced, &JobJsonEditor::parsesChanged, this, [this](bool parses) {
    // The form shows the document; while the text does not parse there is none to show.
    m_formArea->setEnabled(parses);
    if (!parses) check();
  });
  connect(m_run, &QPushButton::clicked, this, [this] { emit runRequested(job(), node()); });
  connect(m_compare, &QPushButton::clicked, this,
          [this] { emit comparePrecisionsRequested(job(), node()); });
  connect(m_scaling, &QPushButton::clicked, this,
          [this] { emit measureScalingRequested(job(), node()); });
  setJob(newJob());
  markSaved();  // nothing typed yet
}

void JobForm::setJobFolder(const QString& folder) {
  if (folder == m_jobFolder) return;
  m_jobFolder = folder;
  check();
}

bool JobForm::hasUnsavedChanges() const {
  return m_advanced->holdsUnreadTyping() || job() != m_savedJob;
}

bool JobForm::readTyping() { return m_advanced->readTyping(); }

void JobForm::markSaved() {
  m_savedJob = job();
  emit changed();
}

QWidget* JobForm::buildForm() {
  auto* area = new QWidget;
  auto* columns = new QVBoxLayout(area);
  QList<QFormLayout*> forms;
  auto group = [columns, &forms](const QString& title) {
    auto* box = new QGroupBox(title);
    auto* form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
    columns->addWidget(box);
    forms << form;
    return form;
  };

  // Run: where and how.
  QFormLayout* run = group(tr("Run"));
  auto* name = named(new QLineEdit, "name");
  m_fields.bindText(name, "name", "job");
  run->addRow(tr("Run name"), name);
  m_node = named(new QComboBox, "node");
  m_node->addItem(tr("local (this machine)"), "local");
  run->addRow(tr("Node"), withError(m_node, m_nodeError));
  m_precision = comboBox("precision", {"fp32", "bf16", "int8"});
  m_fields.bindChoice(m_precision, "precision", "fp32");
  m_precisionNote = named(new QLabel, "precisionNote");
  m_precisionNote->setStyleSheet("color: #c06c00;");
  m_precisionNote->setWordWrap(true);
  m_precisionNote->hide();
  connect(m_precision, &QComboBox::currentTextChanged, this, &JobForm::showNodeFacts);
  auto* precisionBox = withError(m_precision, m_precisionNote);
  precisionBox->layout()->addWidget(fieldError("precisionError", {"precision"}));
  run->addRow(tr("Precision"), precisionBox);
  m_device = named(new QComboBox, "device");
  m_device->setToolTip(tr("Where the job trains: the CPU or one of the node's GPUs. The node's "
                          "choice is its first GPU when every layer of the model runs there."));
  m_fields.addShower([this] { offerDevices(); });
  connect(m_device, &QComboBox::currentIndexChanged, this,
          [this, write = m_fields.writerFor("device", "")](int index) {
            if (index >= 0) write(m_device->itemData(index).toString());
          });
  run->addRow(tr("Device"), withError(m_device, fieldError("deviceError", {"device"})));
  // Faster fp32 arithmetic that rounds differently from PyTorch's default CPU run.
  auto* winograd = named(new QCheckBox(tr("Winograd 3x3 convolutions")), "allowWinograd");
  winograd->setToolTip(
      tr("fp32 3x3 convolutions by Winograd's F(4x4, 3x3) where it is faster (a ResNet-18 "
         "training step about 20 % shorter on the CPU), rounding to about 1e-5 of a layer's "
         "largest output. Off: every convolution sums directly, as PyTorch does on a CPU, for "
         "results to compare number by number. The job file's allow_winograd."));
  m_fields.bindFlag(winograd, "allow_winograd", true);
  auto* tf32 = named(new QCheckBox(tr("TF32 tensor cores (GPU)")), "allowTf32");
  tf32->setToolTip(
      tr("On a GPU, fp32 matrix products and convolutions on TF32 tensor cores: inputs rounded "
         "to a 10-bit mantissa, sums in fp32, like PyTorch's allow_tf32. The job file's "
         "allow_tf32."));
  m_fields.bindFlag(tf32, "allow_tf32", false);
  auto* arithmetic = new QWidget;
  auto* arithmeticLayout = new QVBoxLayout(arithmetic);
  arithmeticLayout->setContentsMargins(0, 0, 0, 0);
  arithmeticLayout->addWidget(winograd);
  arithmeticLayout->addWidget(tf32);
  arithmeticLayout->addWidget(fieldError("arithmeticError", {"allow_winograd", "allow_tf32"}));
  run->addRow(tr("fp32 arithmetic"), arithmetic);
  m_threads = spinBox("threads", 0, 4096, tr("all cores"));
  m_fields.bindInteger(m_threads, "threads", 0);
  m_threadsNote = named(new QLabel, "threadsNote");
  m_threadsNote->setStyleSheet("color: #c06c00;");
  m_threadsNote->setWordWrap(true);
  m_threadsNote->hide();
  run->addRow(tr("Threads"), withError(m_threads, m_threadsNote));
  addIntegerRow(run, tr("Seed"), spinBox("seed", 0, 1000000000), "seed", 0);

  addParallelGroup(group(tr("Parallel")));

  addModelGroup(group(tr("Model")));

  // Data.
  QFormLayout* data = group(tr("Data"));
  m_dataset = named(new QLineEdit, "dataset");
  m_dataset->setToolTip(
      tr("fashion-mnist, idx:DIR, cifar10:DIR, csv:FILE, npy:X.npy,Y.npy, images:DIR (a folder of "
         "class folders of PNG or JPEG images) or synthetic:SHAPE:CLASSES (with :ids=VOCABULARY, "
         "a text model's token ids)"));
  // A folder of class folders on this machine becomes images:DIR, only when the user picks one.
  addChooser(m_dataset, "chooseImageFolder",
             tr("Choose an image folder: one sub-folder of PNG or JPEG images per class, or "
                "train/ and test/ folders of them"),
             [this]() -> QString {
               const QString dir = QFileDialog::getExistingDirectory(this, tr("Image folder"));
               return dir.isEmpty() ? dir : "images:" + dir;
             });
  data->addRow(tr("Dataset"), withError(m_dataset, m_datasetError));
  m_testData = named(new QLineEdit, "testData");
  m_testData->setPlaceholderText(tr("the dataset's own test split"));
  data->addRow(tr("Test data"), m_testData);
  m_cropPadding = spinBox("cropPadding", 0, 64, tr("no random crops"));
  data->addRow(tr("Random crop padding"), m_cropPadding);
  m_flip = named(new QCheckBox(tr("Random horizontal flips")), "flip");
  data->addRow(QString(), m_flip);
  for (QLineEdit* edit : {m_dataset, m_testData})
    connect(edit, &QLineEdit::textChanged, this, &JobForm::writeDataset);
  connect(m_cropPadding, &QSpinBox::valueChanged, this, &JobForm::writeDataset);
  connect(m_flip, &QCheckBox::toggled, this, &JobForm::writeDataset);
  m_fields.addShower([this] {
    const QJsonValue dataset = m_document.value("dataset", "fashion-mnist");
    const QJsonObject object = dataset.toObject();
    m_dataset->setText(dataset.isObject() ? object.value("train").toString() : dataset.toString());
    m_testData->setText(object.value("test").toString());
    m_cropPadding->setValue(object.value("augment").toObject().value("crop_padding").toInt(0));
    m_flip->setChecked(object.value("augment").toObject().value("flip").toBool(false));
  });

  // Optimization.
  QFormLayout* optimization = group(tr("Optimization"));
  auto* loss = comboBox("loss", {"SoftmaxCrossEntropy", "MSE"});
  m_fields.bindChoice(loss, "loss", "SoftmaxCrossEntropy");
  optimization->addRow(tr("Loss"), loss);
  m_optimizer = comboBox("optimizer", {"sgd", "adam", "adamw"});
  m_fields.bindChoice(m_optimizer, "optimizer.type", "sgd");
  optimization->addRow(tr("Optimizer"), withError(m_optimizer, m_optimizerError));
  m_lr = named(new QLineEdit, "lr");
  m_fields.bindNumber(m_lr, "optimizer.lr", 0.01);
  optimization->addRow(tr("Learning rate"), withError(m_lr, m_lrError));
  auto* momentum = named(new QLineEdit, "momentum");
  m_fields.bindNumber(momentum, "optimizer.momentum", 0);
  optimization->addRow(tr("Momentum (SGD)"),
                       withError(momentum, fieldError("momentumError", {"optimizer.momentum",
                                                                        "optimizer.nesterov"})));
  auto* nesterov = named(new QCheckBox(tr("Nesterov (SGD)")), "nesterov");
  m_fields.bindFlag(nesterov, "optimizer.nesterov", false);
  optimization->addRow(QString(), nesterov);
  auto* weightDecay = named(new QLineEdit, "weightDecay");
  m_fields.bindNumber(weightDecay, "optimizer.weight_decay", 0);
  optimization->addRow(
      tr("Weight decay"),
      withError(weightDecay, fieldError("weightDecayError", {"optimizer.weight_decay"})));
  auto* schedule = comboBox("schedule", {"constant", "cosine", "step"});
  m_fields.bindChoice(schedule, "schedule.type", "constant");
  optimization->addRow(tr("Schedule"), schedule);
  addIntegerRow(optimization, tr("Warm-up steps"), spinBox("warmup", 0, 100000000),
                "schedule.warmup_steps", 0);
  m_batch = spinBox("batch", 0, 65536);
  m_fields.bindInteger(m_batch, "batch", 64);
  optimization->addRow(tr("Batch size"), withError(m_batch, m_batchError));
  addIntegerRow(optimization, tr("Epochs"), spinBox("epochs", 0, 10000), "epochs", 1);
  addIntegerRow(optimization, tr("Step budget"), spinBox("maxSteps", 0, 100000000, tr("no limit")),
                "max_steps", 0);

  // What the run reports and keeps, and how often.
  QFormLayout* cadence = group(tr("Evaluation, checkpoints and reports"));
  auto* everyEpoch = named(new QCheckBox(tr("Evaluate after every epoch")), "evalEveryEpoch");
  m_fields.bindFlag(everyEpoch, "eval.every_epoch", true);
  cadence->addRow(QString(), everyEpoch);
  addIntegerRow(cadence, tr("Evaluate every (steps)"),
                spinBox("evalEvery", 0, 100000000, tr("only at epochs' ends")), "eval.every_steps",
                0);
  addIntegerRow(cadence, tr("Evaluation batch"), spinBox("evalBatch", 1, 65536), "eval.batch",
                1000);
  addIntegerRow(cadence, tr("Checkpoint every (steps)"),
                spinBox("checkpointEvery", 0, 100000000, tr("at the end")),
                "checkpoint.every_steps", 0);
  addIntegerRow(cadence, tr("Checkpoints kept"), spinBox("checkpointKeep", 1, 1000),
                "checkpoint.keep", 3);
  addIntegerRow(cadence, tr("Log every (steps)"), spinBox("logEvery", 1, 100000), "log_every_steps",
                10);
  addIntegerRow(cadence, tr("Profile every (steps)"),
                spinBox("profileEvery", 0, 100000000, tr("off")), "profile.every_steps", 0);
  alignFieldColumns(forms);
  columns->addStretch();
  return area;
}

void JobForm::addIntegerRow(QFormLayout* form, const QString& label, QSpinBox* spin,
                            const QString& path, int engineDefault) {
  m_fields.bindInteger(spin, path, engineDefault);
  form->addRow(label, spin);
}

void JobForm::writeDataset() {
  if (m_fields.showing()) return;
  const QString train = m_dataset->text().trimmed(), test = m_testData->text().trimmed();
  const bool augmenting = m_cropPadding->value() > 0 || m_flip->isChecked();
  // A plain spec stays a string; a test split or augmentation needs the object form.
  if (!m_document.value("dataset").isObject() && test.isEmpty() && !augmenting) {
    m_document.set("dataset", train, "fashion-mnist");
    return edited();
  }
  if (!m_document.value("dataset").isObject()) m_document.set("dataset", QJsonObject{});
  m_document.set("dataset.train", train);
  if (test.isEmpty())
    m_document.remove("dataset.test");
  else
    m_document.set("dataset.test", test);
  m_document.set("dataset.augment.crop_padding", m_cropPadding->value(), 0);
  m_document.set("dataset.augment.flip", m_flip->isChecked(), false);
  edited();
}

void JobForm::setJob(const QJsonObject& job) {
  m_document.reset(job);
  m_parkedParallel = {};
  m_parkedSpec = QJsonValue(QJsonValue::Undefined);
  showDocument();
  m_advanced->setJob(job);
  check();
}

void JobForm::setValues(const QList<QPair<QString, QJsonValue>>& values) {
  for (const auto& [path, value] : values) m_document.set(path, value);
  showDocument();
  edited();
}

void JobForm::showDocument() {
  m_fieldProblems.clear();  // every field shows the document again
  m_fields.showAll();
}

void JobForm::edited() {
  // Typing in the editor wins: once read, it replaces the document, this change with it.
  if (!m_advanced->holdsUnreadTyping()) m_advanced->setJob(m_document.json());
  check();
}

QString JobForm::node() const { return m_node->currentData().toString(); }

void JobForm::setNodes(const QStringList& names) {
  const QString current = node();
  const QSignalBlocker blocker(m_node);
  while (m_node->count() > 1) m_node->removeItem(1);
  for (const QString& name : names) m_node->addItem(name, name);
  m_node->setCurrentIndex(std::max(0, m_node->findData(current)));
  m_nodes->setAvailable(QStringList{"local"} + names);
  showNodeFacts();
}

bool JobForm::chooseNode(const QString& name) {
  const int index = m_node->findData(name);
  if (index < 0) return false;
  m_node->setCurrentIndex(index);
  return true;
}

QStringList JobForm::offeredNodes() const {
  QStringList names;
  for (int i = 0; i < m_node->count(); ++i) names << m_node->itemData(i).toString();
  return names;
}

void JobForm::setNodeInfo(const QString& node, const QJsonObject& info) {
  m_nodeInfo[node] = info;
  showNodeFacts();
}

void JobForm::offerDevices() {
  const QString wanted = m_document.value("device", "").toString();
  m_fields.showQuietly([&] {  // filling the list is not an edit
    m_device->clear();
    m_device->addItem(tr("the node's choice"), QString());
    m_device->addItem(tr("CPU"), QString("cpu"));
    const QJsonArray gpus = m_nodeInfo.value(node()).value("gpus").toArray();
    for (qsizetype i = 0; i < gpus.size(); ++i) {
      const QJsonObject gpu = gpus[i].toObject();
      m_device->addItem(
          tr("cuda:%1 (%2, %3 GiB)")
              .arg(i)
              .arg(gpu.value("name").toString())
              .arg(gpu.value("memoryBytes").toString().toDouble() / (1 << 30), 0, 'f', 1),
          QString("cuda:%1").arg(i));
    }
    if (m_device->findData(wanted) < 0) m_device->addItem(wanted, wanted);
    m_device->setCurrentIndex(m_device->findData(wanted));
  });
}

void JobForm::showNodeFacts() {
  offerDevices();
  const QJsonObject info = m_nodeInfo.value(node());
  const int cores = info.value("logicalCores").toInt();
  m_threads->setSpecialValueText(cores > 0 ? tr("all %n cores of the node", nullptr, cores)
                                           : tr("all cores"));
  QHash<QString, double> peaks;
  for (const QJsonValue& peak : info.value("peaks").toArray())
    peaks[peak.toObject().value("precision").toString()] =
        peak.toObject().value("gflops").toDouble();
  // A precision the node cannot train in stays in the list, greyed with the node's reason, and
  // a job asking for it keeps it (the node's check says under the field why it is refused).
  // Greying an item signals the combo's current text again: not an edit.
  const QJsonArray offered = info.value("precisions").toArray();
  auto* items = static_cast<QStandardItemModel*>(m_precision->model());
  m_fields.showQuietly([&] {
    for (int i = 0; i < m_precision->count(); ++i) {
      const QString precision = m_precision->itemText(i);
      const bool cannot = !offered.isEmpty() && !offered.contains(precision);
      items->item(i)->setEnabled(!cannot);
      items->item(i)->setToolTip(cannot
                                     ? tr("%1 cannot train in %2: %3")
                                           .arg(m_node->currentText(), precision,
                                                info.value(precision + "Unavailable")
                                                    .toString(tr("its engine does not offer it")))
                                     : QString());
    }
  });
  // bf16 pays where the hardware multiplies bf16 natively; elsewhere oneDNN converts to fp32
  // and back, and the node's own peaks show it.
  const bool slower = m_precision->currentText() == "bf16" && peaks.value("bf16") > 0 &&
                      peaks.value("bf16") < peaks.value("fp32");
  m_precisionNote->setVisible(slower);
  if (slower)
    m_precisionNote->setText(
        tr("On %1 bf16 matrix products peak at %2 GFLOP/s against %3 for fp32: no native bf16 "
           "(avx512_bf16) or AMX here, so expect bf16 to train slower than fp32.")
            .arg(m_node->currentText())
            .arg(peaks.value("bf16"), 0, 'f', 0)
            .arg(peaks.value("fp32"), 0, 'f', 0));
  showThreadsNote();
}

int JobForm::fewestCores() const {
  const QStringList across = m_nodes->chosen();
  int cores = 0;
  for (const QString& name : across.size() > 1 ? across : QStringList{node()})
    if (const int known = m_nodeInfo.value(name).value("logicalCores").toInt(); known > 0)
      cores = cores > 0 ? std::min(cores, known) : known;
  return cores;
}

void JobForm::showThreadsNote() {
  // Threads beyond the cores take turns on them (cnn-small: 0.60x with 3 threads on 2 cores):
  // said here, not refused, as the engine says it when the run starts.
  const int cores = fewestCores();
  const int threads = m_document.value("threads", 0).toInt();
  const bool data = m_document.value("parallel.strategy", "single").toString() == "data";
  const int ranks = data ? std::max(1, m_document.value("parallel.ranks_per_node", 1).toInt()) : 1;
  const bool oversubscribed = cores > 0 && threads > 0 && threads * ranks > cores;
  m_threadsNote->setVisible(oversubscribed);
  if (oversubscribed)
    m_threadsNote->setText(
        ranks > 1 ? tr("%1 ranks of %2 threads share the node's %3 cores: they take turns, and "
                       "steps slow down. 0 gives each rank its share.")
                        .arg(ranks)
                        .arg(threads)
                        .arg(cores)
                  : tr("%1 threads share the node's %2 cores: they take turns, and steps slow "
                       "down. 0 uses every core.")
                        .arg(threads)
                        .arg(cores));
}

void JobForm::check() {
  emit changed();
  showThreadsNote();
  for (QLabel* label : std::as_const(m_errorLabels)) label->hide();
  if (m_advanced->parses()) m_advanced->showProblem({}, {});  // else it shows where the JSON breaks
  m_summary->clear();
  m_memoryNote->hide();
  m_valid = false;
  m_run->setEnabled(false);
  m_compare->setEnabled(false);
  m_scaling->setEnabled(false);
  ++m_ticket;  // answers to earlier questions are stale now
  m_debounce->stop();
  m_checking = false;
  if (!m_advanced->parses()) return;
  for (auto it = m_fieldProblems.cbegin(); it != m_fieldProblems.cend(); ++it)
    showProblem(it.key(), it.value());
  if (!m_fieldProblems.isEmpty()) return;
  // What the form can tell at once; the node checks the rest.
  if (!(m_document.value("optimizer.lr", 0.01).toDouble() > 0))
    return showProblem("optimizer.lr", tr("The learning rate must be greater than 0."));
  if (m_document.value("batch", 64).toInt() <= 0)
    return showProblem("batch", tr("The batch size must be at least 1."));
  if (m_dataset->text().trimmed().isEmpty()) return showProblem("dataset", tr("Choose a dataset."));
  if (m_nodes->chosen().size() == 1)
    return showProblem("parallel.nodes", tr("Check a second node to run across nodes, or none to "
                                            "run on the node chosen above."));
  m_summary->setText(m_nodes->chosen().size() > 1 ? tr("Checking on every node…")
                                                   : tr("Checking on the node…"));
  m_checking = true;
  m_debounce->start();
}

void JobForm::showValidation(int ticket, bool ok, const QString& path, const QString& message,
                             const QJsonObject& summary) {
  if (ticket != m_ticket) return;
  m_checking = false;
  if (!ok) {
    m_summary->clear();
    return showProblem(path, message);
  }
  m_valid = true;
  showMemoryNote(summary);
  m_run->setEnabled(true);
  m_compare->setEnabled(m_precision->currentText() == "fp32");
  m_scaling->setEnabled(true);
  const double parameters = summary.value("parameters").toDouble(),
               trained = summary.value("trained_parameters").toDouble();
  const QString parameterText =
      trained < parameters
          ? tr("%1 parameters (%2 trained)")
                .arg(QLocale().toString(parameters, 'f', 0), QLocale().toString(trained, 'f', 0))
          : tr("%1 parameters").arg(QLocale().toString(parameters, 'f', 0));
  const QString figures = tr("%1 · %2 GFLOP per step · ~%3 · %4 steps")
                              .arg(parameterText)
                              .arg(summary.value("flops_per_step").toDouble() / 1e9, 0, 'f', 2)
                              .arg(memoryAmount(summary.value("memory_bytes").toDouble()))
                              .arg(summary.value("total_steps").toDouble(), 0, 'f', 0);
  const int trials = summary.value("trials").toInt(),
            checked = summary.value("trials_checked").toInt();
  if (trials == 0) return m_summary->setText(figures);
  const QString sweep = checked < trials
                            ? tr("%1 trials, %2 checked (every value)").arg(trials).arg(checked)
                        : trials == 1 ? tr("1 trial, checked")
                                      : tr("%1 trials, all checked").arg(trials);
  m_summary->setText(tr("%1 · first trial: %2").arg(sweep, figures));
}

QString JobForm::memoryAmount(double bytes) {
  return bytes < (1 << 30) ? tr("%1 MiB").arg(bytes / (1 << 20), 0, 'f', 1)
                           : tr("%1 GiB").arg(bytes / (1 << 30), 0, 'f', 1);
}

void JobForm::showMemoryNote(const QJsonObject& summary) {
  // Said, not refused: the estimate leaves out what kernels make as they bind; the engine checks
  // exactly when the run starts (and refuses then, with what it counted).
  const double needed = summary.value("memory_bytes").toDouble();
  const double available = summary.value("memory_available_bytes").toDouble();
  const bool over = available > 0 && needed > available;
  m_memoryNote->setVisible(over);
  if (!over) return;
  const QString node = summary.value("memory_available_node").toString();
  const QString said = node.isEmpty()
                           ? tr("Training needs about %1; the node has %2 for each rank.")
                                 .arg(memoryAmount(needed), memoryAmount(available))
                           : tr("Training needs about %1; node %2 has %3 for each rank.")
                                 .arg(memoryAmount(needed), node, memoryAmount(available));
  const int fitting = summary.value("fitting_batch").toInt();
  m_memoryNote->setText(said + " " +
                        (fitting > 0 ? tr("The run would likely be refused when it starts; a "
                                          "batch of %1 fits.")
                                           .arg(fitting)
                                     : tr("The run would likely be refused when it starts; "
                                          "even a batch of 1 does not fit: a smaller model "
                                          "needs less.")));
}

void JobForm::showValidationProgress(int ticket, int done, int total) {
  if (ticket != m_ticket || !m_checking) return;
  m_summary->setText(tr("Checking the sweep's trials: %1 of %2…").arg(done).arg(total));
}

QLabel* JobForm::fieldError(const char* name, std::initializer_list<QString> paths) {
  QLabel* label = makeErrorLabel(name, this);
  for (const QString& path : paths) m_fieldErrors.insert(path, label);
  m_errorLabels << label;
  return label;
}

QLabel* JobForm::errorLabelFor(const QString& path) const {
  if (QLabel* label = m_fieldErrors.value(path)) return label;
  if (path.startsWith("model")) return m_modelError;
  if (path.startsWith("freeze[")) return m_fieldErrors.value("freeze");
  if (path.startsWith("dataset") || path.startsWith("train_data") || path.startsWith("test_data"))
    return m_datasetError;
  if (path == "optimizer.lr") return m_lrError;
  if (path.startsWith("optimizer")) return m_optimizerError;
  if (path == "batch") return m_batchError;
  if (path == "node") return m_nodeError;
  return m_generalError;
}

void JobForm::showProblem(const QString& path, const QString& message) {
  QLabel* label = errorLabelFor(path);
  // Under a field the field's name goes without saying; elsewhere the path says where.
  const bool named = path.isEmpty() || message.startsWith(path);
  label->setText(label == m_generalError && !named ? path + ": " + message : message);
  label->show();
  if (path != "node") m_advanced->showProblem(path, message);
}

}  // namespace ui
}  // namespace twb
