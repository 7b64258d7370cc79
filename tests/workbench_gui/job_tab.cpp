#include <QToolTip>

#include "workbench_gui_test.h"

namespace {
// Scrolls the scroll area holding `field` until it shows; false when none holds it.
bool scrolledTo(QWidget* field) {
  QWidget* area = field;
  while (area && !qobject_cast<QScrollArea*>(area)) area = area->parentWidget();
  if (area) qobject_cast<QScrollArea*>(area)->ensureWidgetVisible(field);
  return area != nullptr;
}
}  // namespace

void WorkbenchGuiTest::defaultJobIsValidatedByTheNode() {
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QVERIFY2(field<QLabel>("summary")->text().contains("535"),
           qPrintable(field<QLabel>("summary")->text()));
  // The local node in the nodes list, with what this CPU can do.
  QTreeWidgetItem* local = m_window->nodeList()->topLevelItem(0);
  QTRY_COMPARE_WITH_TIMEOUT(local->text(1), QString("ready"), twb::test::timeScaled(30000));
  const QJsonObject info = m_store->node("local");  // kept with the experiments
  QVERIFY(!info.value("cpuModel").toString().isEmpty());
  // Every node runs fp32 and int8: they lead the list even where the CPU adds nothing.
  QVERIFY2(local->text(2).startsWith("fp32 · int8"), qPrintable(local->text(2)));
  QCOMPARE(local->text(2).contains("bf16"), info.value("bf16").toBool());
  QCOMPARE(local->text(2).contains("VNNI"), info.value("vnni").toBool());
  QCOMPARE(info.value("precisions").toArray().contains("bf16"), bf16Unavailable().empty());
  screenshot("job");
}

// The new templates are offered, and the node checks them: the summary gives vit-tiny's and
// lstm's sizes.
void WorkbenchGuiTest::vitTinyIsOfferedAndCheckedByTheNode() {
  auto* templ = field<QComboBox>("template");
  QVERIFY(templ->findText("vit-tiny") >= 0 && templ->findText("mobilenet-v2-cifar") >= 0);
  templ->setCurrentText("vit-tiny");
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("summary")->text().contains("138"),
                           twb::test::timeScaled(30000));
  QVERIFY(runEnabled());
  screenshot("job-vit-tiny");
  // The lstm template too: 82,186 parameters.
  templ->setCurrentText("lstm");
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("summary")->text().contains("82,186 parameters"),
                           twb::test::timeScaled(30000));
  QVERIFY(runEnabled());
  screenshot("job-lstm");
  templ->setCurrentText("mlp");
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("summary")->text().contains("535"),
                           twb::test::timeScaled(30000));
}

// Fine-tuning: the layers typed under Frozen layers are the job's "freeze", as typed; the node's
// check counts the parameters that still train, and refuses a name the model lacks at the field.
void WorkbenchGuiTest::frozenLayersAreCheckedAndCounted() {
  auto* frozen = field<QLineEdit>("frozenLayers");
  QVERIFY(frozen->text().isEmpty() && !m_window->jobForm()->job().contains("freeze"));
  QTest::keyClicks(frozen, "fc1,  fc2");
  QCOMPARE(m_window->jobForm()->job()["freeze"], QJsonValue(QJsonArray{"fc1", "fc2"}));
  QCOMPARE(frozen->text(), QString("fc1,  fc2"));
  QTRY_VERIFY_WITH_TIMEOUT(
      field<QLabel>("summary")->text().contains("535,818 parameters (2,570 trained)"),
      twb::test::timeScaled(30000));
  QVERIFY(runEnabled());
  QVERIFY(scrolledTo(frozen));
  screenshot("job-frozen-layers");
  frozen->selectAll();
  QTest::keyClicks(frozen, "fc_1");
  auto* error = field<QLabel>("frozenLayersError");
  QTRY_VERIFY_WITH_TIMEOUT(error->isVisible(), twb::test::timeScaled(30000));
  QVERIFY2(error->text().contains(
               "freeze[0]: 'fc_1' names no layer or block with parameters (did you mean 'fc1'?)"),
           qPrintable(error->text()));
  QVERIFY(!runEnabled());
  screenshot("job-frozen-layers-error");
  frozen->selectAll();
  QTest::keyClick(frozen, Qt::Key_Delete);
  QVERIFY(!m_window->jobForm()->job().contains("freeze"));
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QVERIFY(!error->isVisible());
  QVERIFY2(field<QLabel>("summary")->text().startsWith("535,818 parameters · "),
           qPrintable(field<QLabel>("summary")->text()));
}

// The node's check gives its memory estimate and what the node has for each rank: where the
// estimate is more, the Batch size field says so, and the run stays the user's to start (the
// engine checks exactly when it starts).
void WorkbenchGuiTest::jobTabSaysWhenTrainingNeedsMoreMemoryThanTheNodeHas() {
  auto* args = field<QLineEdit>("templateArgs");
  auto* note = field<QLabel>("memoryNote");
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QVERIFY(note->isHidden());
  QTest::keyClicks(args, "{\"hidden\": [100000000]}");  // 78 billion weights in fc1
  QTRY_VERIFY_WITH_TIMEOUT(note->isVisible(), twb::test::timeScaled(30000));
  QVERIFY2(QRegularExpression("^Training needs about [0-9.]+ GiB; the node has [0-9.]+ GiB for "
                              "each rank. The run would likely be refused when it starts; even "
                              "a batch of 1 does not fit: a smaller model needs less.$")
               .match(note->text())
               .hasMatch(),
           qPrintable(note->text()));
  QVERIFY(runEnabled());
  screenshot("job-memory-note");
  // 784 million weights fit; a batch of 20 000 samples of a million values each does not, and
  // the note says which batch does.
  args->selectAll();
  QTest::keyClicks(args, "{\"hidden\": [1000000]}");
  auto* batch = field<QSpinBox>("batch");
  batch->setValue(20000);
  const QRegularExpression fits(
      "The run would likely be refused when it starts; a batch of "
      "([0-9]+) fits.$");
  QTRY_VERIFY_WITH_TIMEOUT(fits.match(note->text()).hasMatch(), twb::test::timeScaled(30000));
  const int fitting = fits.match(note->text()).captured(1).toInt();
  QVERIFY2(fitting > 0 && fitting < 20000, qPrintable(note->text()));
  screenshot("job-memory-note-fitting-batch");
  batch->setValue(128);
  args->selectAll();
  QTest::keyClick(args, Qt::Key_Delete);
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QVERIFY(note->isHidden());
}

void WorkbenchGuiTest::invalidInputIsShownAtItsField() {
  auto* lr = field<QLineEdit>("lr");
  lr->selectAll();
  QTest::keyClicks(lr, "0");
  QVERIFY(!runEnabled());
  QVERIFY(field<QLabel>("lrError")->isVisible());
  QVERIFY(field<QLabel>("lrError")->text().contains("learning rate"));
  QTest::keyClicks(lr, ".05x");  // kept as typed, and not a number
  QCOMPARE(lr->text(), QString("0.05x"));
  QVERIFY(field<QLabel>("lrError")->text().contains("not a number"));
  QVERIFY(!runEnabled());
  QTest::keyClick(lr, Qt::Key_Backspace);
  QCOMPARE(m_window->jobForm()->job()["optimizer"].toObject()["lr"].toDouble(), 0.05);
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));

  field<QSpinBox>("batch")->setValue(0);
  QVERIFY(!runEnabled());
  QVERIFY(field<QLabel>("batchError")->isVisible());
  field<QSpinBox>("batch")->setValue(128);
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));

  // Checked by the node: a dataset file that does not exist.
  auto* dataset = field<QLineEdit>("dataset");
  dataset->setText("csv:" + m_dir.filePath("missing.csv"));
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("datasetError")->isVisible(),
                           twb::test::timeScaled(30000));
  QVERIFY2(field<QLabel>("datasetError")->text().contains("missing.csv"),
           qPrintable(field<QLabel>("datasetError")->text()));
  QVERIFY(!runEnabled());
  screenshot("job-invalid");
  dataset->setText("fashion-mnist");
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));

  // A model file that is not a model.
  const QString notAModel = m_dir.filePath("notes.twbm");
  QFile notes(notAModel);
  QVERIFY(notes.open(QIODevice::WriteOnly));
  notes.write("these are my notes, not weights\n");
  notes.close();
  field<QLineEdit>("modelFile")->setText(notAModel);
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("modelError")->isVisible(), twb::test::timeScaled(30000));
  QVERIFY2(field<QLabel>("modelError")->text().contains("model.file"),
           qPrintable(field<QLabel>("modelError")->text()));
  QVERIFY(!runEnabled());
  field<QLineEdit>("modelFile")->clear();
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
}

void WorkbenchGuiTest::answerTheFileDialog(const QString& path) {
  QTimer::singleShot(0, this, [path] {
    auto* dialog = qobject_cast<QFileDialog*>(QApplication::activeModalWidget());
    QVERIFY(dialog);
    if (path.isEmpty()) return static_cast<QDialog*>(dialog)->reject();
    if (QFileInfo(path).isDir()) dialog->setDirectory(path);
    dialog->selectFile(path);
    static_cast<QDialog*>(dialog)->accept();  // public in QDialog; QFileDialog's runs
  });
}

void WorkbenchGuiTest::answerTheQuestion(QMessageBox::StandardButton button, QString* asked,
                                         QDeadlineTimer patience) {
  QTimer::singleShot(20, this, [this, button, asked, patience] {
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    if (!box) {  // not asked yet: look again, without blocking the dialog before it
      QVERIFY2(!patience.hasExpired(), "no question was asked");
      return answerTheQuestion(button, asked, patience);
    }
    *asked = box->text();
    if (!box->informativeText().isEmpty()) *asked += '\n' + box->informativeText();
    if (!box->objectName().isEmpty())  // looked at: screenshots/NAME.png
      QVERIFY(box->grab().save(TWB_BINARY_DIR "/screenshots/" + box->objectName() + ".png"));
    box->button(button)->click();
  });
}

// An ONNX model file whose image sizes are left free: the node's check names them and the
// job's "input_shape"; "Input sizes" gives them, in import's NAME=D1xD2... form.
void WorkbenchGuiTest::aModelFileLeavingSizesFreeIsGivenThem() {
  const QString onnx = m_dir.filePath("any-size.onnx");
  const twb::test::ProgramRun python = twb::test::runPython(
      {"-c",
       "import sys, numpy as np, onnx\n"
       "from onnx import helper as h, TensorProto as T, numpy_helper\n"
       "w = numpy_helper.from_array(np.full((10, 1, 3, 3), 0.1, np.float32), 'w')\n"
       "x = h.make_tensor_value_info('image', T.FLOAT, ['batch', 1, 'height', 'width'])\n"
       "y = h.make_tensor_value_info('y', T.FLOAT, ['batch', 10])\n"
       "g = h.make_graph([h.make_node('Conv', ['image', 'w'], ['c'], kernel_shape=[3, 3]),\n"
       "                  h.make_node('GlobalAveragePool', ['c'], ['p']),\n"
       "                  h.make_node('Flatten', ['p'], ['y'])], 'g', [x], [y], [w])\n"
       "onnx.save(h.make_model(g, opset_imports=[h.make_opsetid('', 13)]), sys.argv[1])",
       onnx});
  QVERIFY2(python.exitCode == 0, qPrintable(python.output));
  const QJsonObject before = m_window->jobForm()->job();
  QVERIFY(field<QComboBox>("template")->isEnabled());
  // Chosen with the field's button.
  auto* modelFile = field<QLineEdit>("modelFile");
  answerTheFileDialog(onnx);
  modelFile->findChild<QAction*>("chooseModelFile")->trigger();
  QCOMPARE(modelFile->text(), onnx);
  // Its free sizes are asked for at once, as the Model tab asks; put away, the field's problem
  // says what to give.
  ui::InputSizesDialog* asked = shownSizesDialog(m_window->jobForm());
  QVERIFY(asked);
  QVERIFY(asked->findChild<QLineEdit*>("inputSize_image_2"));
  QVERIFY(!asked->findChild<QLineEdit*>("inputSize_image_1"));  // the file fixes it at 1
  asked->reject();
  // The Input sizes field's button asks again (as for a file typed).
  auto* askSizes = field<QLineEdit>("modelInputShape")->findChild<QAction*>("askInputSizes");
  QVERIFY(askSizes->isEnabled());
  askSizes->trigger();
  asked = shownSizesDialog(m_window->jobForm());
  QVERIFY(asked);
  asked->reject();
  // The file stands in for the template, which cannot be chosen meanwhile.
  QVERIFY(!field<QComboBox>("template")->isEnabled());
  QVERIFY(!field<QLineEdit>("templateArgs")->isEnabled());
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("modelError")->text().contains("\"input_shape\""),
                           twb::test::timeScaled(30000));
  QVERIFY2(field<QLabel>("modelError")
               ->text()
               .contains("input 'image': dimension 2 ('height') has no fixed size; give the sizes "
                         "after the batch in the model's \"input_shape\": {\"image\": [1, "
                         "height, width]}"),
           qPrintable(field<QLabel>("modelError")->text()));
  QVERIFY(!runEnabled());
  auto* sizes = field<QLineEdit>("modelInputShape");
  QTest::keyClicks(sizes, "image=1x28");
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("modelError")->text().contains("has 2"),
                           twb::test::timeScaled(30000));  // the node counts 3 dimensions
  QTest::keyClicks(sizes, "xz");
  QVERIFY(field<QLabel>("modelInputShapeError")->isVisible());
  QCOMPARE(field<QLabel>("modelInputShapeError")->text(),
           QString("Input sizes are NAME=D1xD2... for each input, separated by ';' (each size at "
                   "least 1): 'image=1x28xz' is not"));
  QVERIFY(!runEnabled());
  QTest::keyClick(sizes, Qt::Key_Backspace);
  QTest::keyClicks(sizes, "28");
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QVERIFY(!field<QLabel>("modelInputShapeError")->isVisible());
  // An input given twice is named, not taken silently.
  const QString given = sizes->text();
  QTest::keyClicks(sizes, "; image=2");
  QVERIFY(field<QLabel>("modelInputShapeError")->isVisible());
  QCOMPARE(field<QLabel>("modelInputShapeError")->text(),
           QString("Input sizes give each input once: 'image=2' gives 'image' again"));
  QVERIFY(!runEnabled());
  QVERIFY(scrolledTo(sizes));
  screenshot("job-input-sizes-repeated");
  sizes->setText(given);
  emit sizes->textEdited(given);
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QVERIFY(!field<QLabel>("modelInputShapeError")->isVisible());
  QCOMPARE(m_window->jobForm()->job()["model"].toObject(),
           QJsonObject(
               {{"file", onnx}, {"input_shape", QJsonObject{{"image", QJsonArray{1, 28, 28}}}}}));
  QVERIFY(scrolledTo(sizes));
  screenshot("job-input-sizes");
  // Shown again from the job; cleared, the job gives none.
  m_window->jobForm()->setJob(m_window->jobForm()->job());
  QCOMPARE(sizes->text(), QString("image=1x28x28"));
  sizes->selectAll();
  QTest::keyClick(sizes, Qt::Key_Delete);
  QVERIFY(!m_window->jobForm()->job()["model"].toObject().contains("input_shape"));
  // Chosen again, the sizes answered go into the field and the job.
  answerTheFileDialog(onnx);
  modelFile->findChild<QAction*>("chooseModelFile")->trigger();
  asked = shownSizesDialog(m_window->jobForm());
  QVERIFY(asked);
  auto* use = asked->findChild<QPushButton*>("inputSizesAccept");
  QTest::keyClicks(asked->findChild<QLineEdit*>("inputSize_image_2"), "28");
  QVERIFY(!use->isEnabled());
  QTest::keyClicks(asked->findChild<QLineEdit*>("inputSize_image_3"), "28");  // the data's
  QVERIFY(asked->grab().save(TWB_BINARY_DIR "/screenshots/job-input-sizes-asked.png"));
  use->click();
  QCOMPARE(sizes->text(), QString("image=1x28x28"));
  QCOMPARE(m_window->jobForm()->job()["model"].toObject()["input_shape"].toObject(),
           QJsonObject({{"image", QJsonArray{1, 28, 28}}}));
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  // Asked for again, none is left free: said beneath the field.
  askSizes->trigger();
  QTRY_COMPARE_WITH_TIMEOUT(QToolTip::text(),
                            QString("any-size.onnx leaves no size free beyond those given."),
                            twb::test::timeScaled(30000));
  m_window->jobForm()->setJob(before);
  QVERIFY(!askSizes->isEnabled());  // no model file to read
  QVERIFY(field<QComboBox>("template")->isEnabled());
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
}

void WorkbenchGuiTest::imageFolderIsChosenAndCheckedByTheNode() {
  // Two classes of 8x8 PNGs, a batch's worth after the held-out tenth: the node decodes them
  // to the model's 1x28x28.
  const QString folder = m_dir.filePath("pictures");
  for (const char* name : {"cats", "dogs"}) {
    QVERIFY(QDir().mkpath(folder + "/" + name));
    QImage image(8, 8, QImage::Format_Grayscale8);
    for (int i = 0; i < 80; ++i) {
      image.fill(name[0] + i);
      QVERIFY(image.save(folder + "/" + name + "/" + QString::number(i) + ".png"));
    }
  }
  auto* dataset = field<QLineEdit>("dataset");
  // A cancelled choice leaves the field as it was.
  const QString before = dataset->text();
  answerTheFileDialog({});
  dataset->findChild<QAction*>("chooseImageFolder")->trigger();
  QCOMPARE(dataset->text(), before);
  answerTheFileDialog(folder);
  dataset->findChild<QAction*>("chooseImageFolder")->trigger();
  QCOMPARE(dataset->text(), "images:" + folder);
  QTRY_VERIFY2_WITH_TIMEOUT(runEnabled(), qPrintable(field<QLabel>("datasetError")->text()),
                            twb::test::timeScaled(30000));
  QVERIFY(!field<QLabel>("datasetError")->isVisible());
  QVERIFY(scrolledTo(dataset));
  screenshot("job-image-folder");

  // A file that is not an image is named at the field, and the text stays as chosen.
  QFile notes(folder + "/dogs/notes.txt");
  QVERIFY(notes.open(QIODevice::WriteOnly));
  notes.close();
  dataset->setText("images:" + folder + "/");
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("datasetError")->isVisible(),
                           twb::test::timeScaled(30000));
  QVERIFY2(field<QLabel>("datasetError")->text().contains("notes.txt: not an image"),
           qPrintable(field<QLabel>("datasetError")->text()));
  QVERIFY(!runEnabled());
  QCOMPARE(dataset->text(), "images:" + folder + "/");
  dataset->setText("fashion-mnist");
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
}

// Every example, and jobs naming every documented field, read back from the form as the same
// document; an edit in the form changes its own field and nothing else.
void WorkbenchGuiTest::jobFormKeepsEveryFieldOfTheFile() {
  QList<QJsonObject> jobs;
  const QDir examples(TWB_SOURCE_DIR "/resources/examples");
  for (const QString& name : examples.entryList({"*.json"}, QDir::Files)) {
    QFile file(examples.filePath(name));
    QVERIFY(file.open(QIODevice::ReadOnly));
    jobs << QJsonDocument::fromJson(file.readAll()).object();
  }
  QCOMPARE(jobs.size(), 5);
  auto example = [&](const QString& name) {
    for (const QJsonObject& job : std::as_const(jobs))
      if (job["name"].toString() == name) return job;
    return QJsonObject();
  };
  jobs << everyFieldJob();
  QJsonObject adam = everyFieldJob();
  adam["optimizer"] = QJsonObject{{"type", "adamw"}, {"lr", 3e-4},     {"weight_decay", 0.01},
                                  {"beta1", 0.85},   {"beta2", 0.995}, {"eps", 1e-7}};
  adam["schedule"] = QJsonObject{{"type", "cosine"}, {"min_lr", 1e-5}, {"warmup_steps", 10}};
  adam["model"] = QJsonObject{{"file", "runs/mlp/model.twbm"}};
  adam["loss"] = "MSE";
  jobs << adam;
  QJsonObject inlineSpec = everyFieldJob();
  inlineSpec["model"] =
      QJsonObject{{"spec", QJsonObject{{"name", "tiny"}, {"input", QJsonArray{784}}}}};
  jobs << inlineSpec;
  QJsonObject acrossNodes = everyFieldJob();  // nodes the form does not know, in their order
  acrossNodes["parallel"] = QJsonObject{{"strategy", "data"},      {"nodes", QJsonArray{"b", "a"}},
                                        {"ranks_per_node", 2},     {"bucket_bytes", 1 << 20},
                                        {"compression", "bf16"},   {"streams", 2},
                                        {"interface", "eth1"},     {"hierarchical", true},
                                        {"sync_batch_norm", true}, {"overlap_forward", false},
                                        {"timeout_s", 30}};
  jobs << acrossNodes;
  for (const QJsonValue& hierarchical : {QJsonValue("auto"), QJsonValue(false)}) {
    QJsonObject written = everyFieldJob();  // the engine's default, or off, written out
    written["parallel"] = QJsonObject{{"strategy", "data"}, {"hierarchical", hierarchical}};
    jobs << written;
  }
  for (const QJsonObject& job : std::as_const(jobs)) {
    ui::JobForm form;
    form.setJob(job);
    QCOMPARE(form.job(), job);
  }

  // Edits touch their own field: the cnn example keeps its momentum, Nesterov, weight decay,
  // checkpoint keep and threads when the batch changes.
  QJsonObject cnn = example("fmnist-cnn");
  QCOMPARE(cnn["name"].toString(), QString("fmnist-cnn"));
  ui::JobForm form;
  form.setJob(cnn);
  form.findChild<QSpinBox*>("batch")->setValue(256);
  cnn["batch"] = 256;
  QCOMPARE(form.job(), cnn);
  form.findChild<QCheckBox*>("nesterov")->setChecked(false);
  QJsonObject optimizer = cnn["optimizer"].toObject();
  optimizer["nesterov"] = false;
  cnn["optimizer"] = optimizer;
  QCOMPARE(form.job(), cnn);
  auto* winograd = form.findChild<QCheckBox*>("allowWinograd");
  QVERIFY(winograd->isChecked());
  winograd->setChecked(false);
  QCOMPARE(form.job()["allow_winograd"], QJsonValue(false));
  form.findChild<QCheckBox*>("allowTf32")->setChecked(true);
  QCOMPARE(form.job()["allow_tf32"], QJsonValue(true));
  // A field switched away from the engine's default and back leaves no trace.
  auto* padding = form.findChild<QSpinBox*>("cropPadding");
  padding->setValue(2);
  QCOMPARE(form.job()["dataset"].toObject()["augment"].toObject()["crop_padding"].toInt(), 2);
  padding->setValue(0);
  QVERIFY(!form.job()["dataset"].toObject().contains("augment"));
  winograd->setChecked(true);
  QVERIFY(!form.job().contains("allow_winograd"));
  QCOMPARE(form.job()["dataset"].toObject()["train"].toString(), QString("fashion-mnist"));
  // The form shows what it has fields for.
  form.setJob(example("resnet18-cifar-synthetic"));  // synthetic data with augmentation
  QCOMPARE(form.findChild<QLineEdit*>("dataset")->text(), QString("synthetic:3x32x32:10"));
  QCOMPARE(form.findChild<QSpinBox*>("cropPadding")->value(), 4);
  QVERIFY(form.findChild<QCheckBox*>("flip")->isChecked());
  QCOMPARE(form.findChild<QSpinBox*>("evalBatch")->value(), 250);
  QCOMPARE(form.findChild<QSpinBox*>("checkpointKeep")->value(), 2);
  form.setJob(example("fmnist-mlp"));  // template arguments
  QCOMPARE(form.findChild<QLineEdit*>("templateArgs")->text(), QString("{\"hidden\":[512,256]}"));
  QCOMPARE(form.findChild<QLineEdit*>("momentum")->text(), QString("0.9"));
  QCOMPARE(form.findChild<QLineEdit*>("weightDecay")->text(), QString("0.0001"));
  QCOMPARE(form.findChild<QSpinBox*>("threads")->value(), 2);
  // What the Advanced editor gets, the form shows, and the job keeps.
  QJsonObject typed = example("fmnist-mlp");
  typed["schedule"] = QJsonObject{{"type", "step"}, {"step_size", 100}, {"gamma", 0.5}};
  form.advancedEditor()->text()->setPlainText(QString::fromUtf8(QJsonDocument(typed).toJson()));
  QTRY_COMPARE(form.job(), typed);
  QCOMPARE(form.findChild<QComboBox*>("schedule")->currentText(), QString("step"));
  // A model file typed over an inline spec stands in for it while it is there; cleared, the
  // spec is back as it was (the template is not put in its place).
  form.setJob(inlineSpec);
  auto* modelFile = form.findChild<QLineEdit*>("modelFile");
  auto* templateBox = form.findChild<QComboBox*>("template");
  QVERIFY(!templateBox->isEnabled());
  for (const char* typing : {"m", "mo", "model.twbm"}) modelFile->setText(typing);
  QCOMPARE(form.job()["model"].toObject(), (QJsonObject{{"file", "model.twbm"}}));
  modelFile->clear();
  QCOMPARE(form.job(), inlineSpec);
  QVERIFY(!templateBox->isEnabled());
}

// A node whose bf16 matmul peak is below its fp32 peak (an Intel Xeon without AMX) gets a word
// of warning for bf16; one where bf16 is faster (AMX) does not.
void WorkbenchGuiTest::jobTabSaysWhenBf16IsSlowerOnTheNode() {
  const auto node = [](double fp32, double bf16) {
    return QJsonObject{{"logicalCores", 8},
                       {"peaks", QJsonArray{QJsonObject{{"precision", "fp32"}, {"gflops", fp32}},
                                            QJsonObject{{"precision", "bf16"}, {"gflops", bf16}}}}};
  };
  ui::JobForm form;
  form.setNodeInfo("local", node(249, 149));
  QCOMPARE(form.findChild<QSpinBox*>("threads")->specialValueText(),
           QString("all 8 cores of the node"));
  QVERIFY(form.precisionNote()->isHidden());  // fp32 chosen
  form.findChild<QComboBox*>("precision")->setCurrentText("bf16");
  QVERIFY(!form.precisionNote()->isHidden());
  QVERIFY2(form.precisionNote()->text().contains("149 GFLOP/s against 249 for fp32"),
           qPrintable(form.precisionNote()->text()));
  QVERIFY(shownAndSaved(form, {700, 900}, "job-bf16-slower"));
  form.hide();
  form.setNodeInfo("local", node(120, 480));
  QVERIFY(form.precisionNote()->isHidden());
  // This machine's own node: the note follows its measured peaks.
  QTRY_VERIFY_WITH_TIMEOUT(m_store->node("local").contains("peaks"), twb::test::timeScaled(30000));
  const QJsonObject local = m_store->node("local");
  QHash<QString, double> peaks;
  for (const QJsonValue& p : local.value("peaks").toArray())
    peaks[p.toObject().value("precision").toString()] = p.toObject().value("gflops").toDouble();
  QVERIFY(peaks.value("fp32") > 0 && peaks.value("int8") > 0);
  form.setNodeInfo("local", local);
  QCOMPARE(!form.precisionNote()->isHidden(),
           peaks.contains("bf16") && peaks.value("bf16") < peaks.value("fp32"));
  // bf16 greyed where the node cannot train in it (a CPU without AVX-512).
  const auto* items =
      static_cast<QStandardItemModel*>(form.findChild<QComboBox*>("precision")->model());
  QCOMPARE(items->findItems("bf16").front()->isEnabled(),
           local.value("precisions").toArray().contains("bf16"));
}

// A node that cannot train in bf16 (a CPU without AVX-512) greys bf16 with its reason; a job
// file asking for bf16 keeps it (the node's check then says why it refuses it).
void WorkbenchGuiTest::jobTabGreysPrecisionsTheNodeCannotRun() {
  const QString reason =
      "oneDNN runs bf16 only on CPUs with AVX-512, and this CPU (AMD EPYC) has avx2";
  ui::JobForm form;
  form.setNodeInfo("local", QJsonObject{{"precisions", QJsonArray{"fp32", "int8"}},
                                        {"bf16Unavailable", reason}});
  auto* precision = form.findChild<QComboBox*>("precision");
  const auto item = [&](const QString& text) {
    return static_cast<QStandardItemModel*>(precision->model())->item(precision->findText(text));
  };
  QVERIFY(item("fp32")->isEnabled() && item("int8")->isEnabled());
  QVERIFY(!item("bf16")->isEnabled());
  QCOMPARE(item("bf16")->toolTip(), "local (this machine) cannot train in bf16: " + reason);

  QJsonObject job = form.job();
  job["precision"] = "bf16";
  form.setJob(job);
  QCOMPARE(precision->currentText(), QString("bf16"));
  QCOMPARE(form.job().value("precision"), QJsonValue("bf16"));
  form.setNodeInfo("local", QJsonObject{{"precisions", QJsonArray{"fp32", "bf16", "int8"}}});
  QVERIFY(item("bf16")->isEnabled() && item("bf16")->toolTip().isEmpty());
}

// Typing in the Advanced editor is the user's before the form has read it: node facts that
// arrive in the pause after a key stroke (the chosen precision greyed, which signals the combo
// again) leave it as typed, and once read it is the job; so do facts that arrive while it does
// not parse.
void WorkbenchGuiTest::typingInTheEditorOutlivesNodeFacts() {
  ui::JobForm form;
  form.setJob(QJsonObject{{"name", "typed"},
                          {"model", QJsonObject{{"template", "mlp"}}},
                          {"precision", "bf16"},
                          {"batch", 64}});
  QPlainTextEdit* text = form.advancedEditor()->text();
  QString typing = text->toPlainText();
  typing.replace("64", "96");
  text->setPlainText(typing);
  form.setNodeInfo("local", QJsonObject{{"precisions", QJsonArray{"fp32", "int8"}},
                                        {"bf16Unavailable", "no bf16 here"}});
  QCOMPARE(text->toPlainText(), typing);
  QTRY_COMPARE(form.job().value("batch").toInt(), 96);
  QCOMPARE(form.findChild<QSpinBox*>("batch")->value(), 96);
  QString broken = typing;
  broken.replace("96", "9 6");
  text->setPlainText(broken);
  QTRY_VERIFY(!form.advancedEditor()->parses());
  form.setNodeInfo("local", QJsonObject{{"precisions", QJsonArray{"fp32", "bf16", "int8"}}});
  QCOMPARE(text->toPlainText(), broken);
}

// More threads than the node has cores are said under Threads (the job still runs): for one
// worker, and for the ranks a data-parallel job puts on each node.
void WorkbenchGuiTest::jobTabSaysWhenThreadsOutnumberTheCores() {
  ui::JobForm form;
  form.setJob(QJsonObject{{"name", "threads"}, {"model", QJsonObject{{"template", "mlp"}}}});
  form.setNodeInfo("local", QJsonObject{{"logicalCores", 8}});
  auto* threads = form.findChild<QSpinBox*>("threads");
  QVERIFY(form.threadsNote()->isHidden());  // 0: every core
  threads->setValue(8);
  QVERIFY(form.threadsNote()->isHidden());
  threads->setValue(12);
  QVERIFY(!form.threadsNote()->isHidden());
  QVERIFY2(form.threadsNote()->text().startsWith("12 threads share the node's 8 cores"),
           qPrintable(form.threadsNote()->text()));
  QCOMPARE(form.job().value("threads").toInt(), 12);  // said, not changed
  threads->setValue(4);
  QVERIFY(form.threadsNote()->isHidden());
  auto* strategy = form.findChild<QComboBox*>("strategy");
  strategy->setCurrentIndex(strategy->findData("data"));
  form.findChild<QSpinBox*>("ranksPerNode")->setValue(3);
  QVERIFY(!form.threadsNote()->isHidden());
  QVERIFY2(form.threadsNote()->text().startsWith("3 ranks of 4 threads share the node's 8 cores"),
           qPrintable(form.threadsNote()->text()));
  QVERIFY(shownAndSaved(form, {1100, 700}, "job-threads-note"));
  form.setNodeInfo("local", QJsonObject{{"logicalCores", 16}});  // another node: room for them
  QVERIFY(form.threadsNote()->isHidden());
}

// The wheel over the Job tab scrolls the form: the fields it passes over keep their values unless
// the user clicked into one. (It used to turn the template from mlp to vit-tiny on the way down.)
void WorkbenchGuiTest::scrollingTheJobTabChangesNoField() {
  ui::JobForm form;
  const QJsonObject job{
      {"name", "wheel"}, {"model", QJsonObject{{"template", "mlp"}}}, {"batch", 128}};
  form.setJob(job);
  QVERIFY(shownAndSaved(form, {1100, 500}, "job-scrolled"));
  auto* templateBox = form.findChild<QComboBox*>("template");
  auto* batch = form.findChild<QSpinBox*>("batch");
  QVERIFY(templateBox && batch);
  // Whether the field took the wheel; one it leaves goes on to the scroll area (a wheel event
  // sent by a test stops at its receiver, so the test asks the field, not the scroll bar).
  const auto wheelTakenBy = [](QWidget* field) {
    const QPointF at(field->width() / 2.0, field->height() / 2.0);
    QWheelEvent wheel(at, field->mapToGlobal(at), {}, {0, -120}, Qt::NoButton, Qt::NoModifier,
                      Qt::NoScrollPhase, false);
    QApplication::sendEvent(field, &wheel);
    return wheel.isAccepted();
  };
  QVERIFY(!wheelTakenBy(templateBox));
  QVERIFY(!wheelTakenBy(batch));
  QCOMPARE(form.job(), job);
  form.activateWindow();
  QVERIFY(QTest::qWaitForWindowActive(&form));
  batch->setFocus();  // clicked into: the wheel is the user's way to change it
  QVERIFY(batch->hasFocus());
  QVERIFY(wheelTakenBy(batch));
  QCOMPARE(form.job().value("batch").toInt(), 127);
}

// Every group's fields start at one x, in English and in Chinese, whichever group has the
// widest label ("Synchronized BatchNorm" in Parallel, "Checkpoint every (steps)" in the last).
void WorkbenchGuiTest::jobTabFieldsStartInOneColumn() {
  const auto fieldColumns = [] {
    ui::JobForm form;
    form.setJob(QJsonObject{{"name", "columns"}, {"model", QJsonObject{{"template", "mlp"}}}});
    form.resize(1100, 700);
    form.show();
    QSet<int> lefts;
    if (!QTest::qWaitForWindowExposed(&form)) return lefts;
    for (const char* name : {"name", "strategy", "template", "dataset", "lr", "evalEvery"})
      if (auto* field = form.findChild<QWidget*>(name))
        lefts << field->mapTo(&form, QPoint(0, 0)).x();
    return lefts;
  };
  QCOMPARE(fieldColumns().size(), 1);
  QTranslator chinese;
  QVERIFY(chinese.load("twb_zh_CN", ":/i18n"));
  QCoreApplication::installTranslator(&chinese);
  const QSet<int> inChinese = fieldColumns();
  QCoreApplication::removeTranslator(&chinese);
  QCOMPARE(inChinese.size(), 1);
}

// The Job tab offers the node's devices, writes the one chosen (nothing for the node's own
// choice), and keeps a device the job names that the node did not report: the node judges it.
void WorkbenchGuiTest::jobTabOffersTheNodesDevices() {
  ui::JobForm form;
  form.setJob(QJsonObject{{"name", "gpu"}, {"model", QJsonObject{{"template", "mlp"}}}});
  form.setNodeInfo("local",
                   QJsonObject{{"logicalCores", 16},
                               {"gpus", QJsonArray{QJsonObject{{"name", "NVIDIA H200"},
                                                               {"memoryBytes", "150754820096"}}}}});
  auto* device = form.findChild<QComboBox*>("device");
  QVERIFY(device);
  QCOMPARE(device->count(), 3);
  QCOMPARE(device->currentData().toString(), QString());
  QVERIFY(!form.job().contains("device"));
  QCOMPARE(device->itemText(2), QString("cuda:0 (NVIDIA H200, 140.4 GiB)"));
  device->setCurrentIndex(2);
  QCOMPARE(form.job().value("device").toString(), QString("cuda:0"));
  device->setCurrentIndex(1);
  QCOMPARE(form.job().value("device").toString(), QString("cpu"));
  device->setCurrentIndex(2);
  QVERIFY(shownAndSaved(form, {700, 900}, "job-device"));
  form.hide();
  device->setCurrentIndex(0);
  QVERIFY(!form.job().contains("device"));
  QJsonObject job = form.job();
  job["device"] = "cuda:3";
  form.setJob(job);
  QCOMPARE(device->currentData().toString(), QString("cuda:3"));
  // Facts of a node without GPUs arrive: the job still asks for what it asked for.
  form.setNodeInfo("local", QJsonObject{{"logicalCores", 2}});
  QCOMPARE(device->count(), 3);  // the node's choice, CPU, and cuda:3 as the job says
  QCOMPARE(device->currentData().toString(), QString("cuda:3"));
  QCOMPARE(form.job().value("device").toString(), QString("cuda:3"));
}

void WorkbenchGuiTest::advancedEditorShowsProblemsAtTheirLine() {
  m_window->tabs()->setCurrentIndex(0);
  ui::JobForm* form = m_window->jobForm();
  const QJsonObject original = form->job();
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QPlainTextEdit* text = form->advancedEditor()->text();
  QLabel* problem = form->advancedEditor()->problem();
  // Not JSON: marked at its line, kept as typed, the form waits.
  const QString broken = "{\n  \"name\": \"typo\",\n  \"batch\": 12 8\n}\n";
  text->setPlainText(broken);
  QTRY_VERIFY(problem->isVisible());
  QVERIFY2(problem->text().startsWith("Line 3, column"), qPrintable(problem->text()));
  QCOMPARE(text->toPlainText(), broken);
  QVERIFY(!runEnabled());
  QVERIFY(!field<QSpinBox>("batch")->isEnabled());
  // JSON the node refuses: the problem at the field's line and under the form's field.
  QJsonObject refused = original;
  QJsonObject optimizer = refused["optimizer"].toObject();
  optimizer["momentum"] = 1.5;
  refused["optimizer"] = optimizer;
  text->setPlainText(QString::fromUtf8(QJsonDocument(refused).toJson()));
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("momentumError")->isVisible(),
                           twb::test::timeScaled(30000));
  QVERIFY(field<QSpinBox>("batch")->isEnabled());
  QVERIFY2(problem->text().contains("optimizer.momentum") && problem->text().contains("(line "),
           qPrintable(problem->text()));
  QCOMPARE(field<QLineEdit>("momentum")->text(), QString("1.5"));
  QVERIFY(!runEnabled());
  screenshot("job-advanced-error");
  form->setJob(original);
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QVERIFY(!problem->isVisible());
}

// A job file opened and run is exactly the file, on the node too.
void WorkbenchGuiTest::anOpenedJobRunsExactlyTheFile() {
  const qint64 defaultProject = m_controller->projectId();
  const qint64 project = m_window->newProject("Job files");
  const QJsonObject before = m_window->jobForm()->job();
  const QJsonObject job = everyFieldJob();
  const QString path = m_dir.filePath("every-field.json");
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(QJsonDocument(job).toJson());
  file.close();
  QVERIFY(m_window->openJobFile(path));
  QCOMPARE(m_window->jobForm()->job(), job);
  QPersistentModelIndex run;
  runToSuccess(project, run);
  if (!run.isValid()) return;
  const app::Run stored = m_store->run(runIdOf(run));
  QCOMPARE(QJsonDocument::fromJson(stored.jobJson.toUtf8()).object(), job);
  QFile task(m_dir.filePath("node/jobs/" + stored.nodeJobId + "/task.json"));
  QVERIFY(task.open(QIODevice::ReadOnly));
  QCOMPARE(QJsonDocument::fromJson(task.readAll()).object()["job"].toObject(), job);
  m_window->runsBrowser()->setCurrentIndex(m_window->projectIndex(defaultProject));
  m_window->jobForm()->setJob(before);
}

// A job file that names its data relative to itself runs from the workbench as from `twb-engine
// train FILE`: the local node reads the files beside it, and still runs exactly the file.
void WorkbenchGuiTest::anOpenedJobFindsItsFilesBesideIt() {
  OwnProject own(*m_window, *m_controller, "Files beside the job");
  const QString folder = m_dir.filePath("experiment");
  QVERIFY(QDir().mkpath(folder));
  QProcess arrays;
  arrays.start("/usr/bin/python3",
               {"-c",
                "import numpy as np, sys; r = np.random.RandomState(0); "
                "np.save(sys.argv[1] + '/x.npy', r.rand(64, 1, 28, 28).astype('float32')); "
                "np.save(sys.argv[1] + '/y.npy', np.arange(64) % 10)",
                folder});
  QVERIFY(arrays.waitForFinished(60000) && arrays.exitCode() == 0);
  const QJsonObject job{{"name", "beside"},
                        {"model", QJsonObject{{"template", "mlp"}}},
                        {"dataset", "npy:x.npy,y.npy"},
                        {"batch", 16},
                        {"epochs", 1}};
  const QString path = folder + "/job.json";
  QFile file(path);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write(QJsonDocument(job).toJson());
  file.close();
  QVERIFY(m_window->openJobFile(path));
  QPersistentModelIndex run;
  runToSuccess(own.id, run);
  if (!run.isValid()) return;
  const app::Run stored = m_store->run(runIdOf(run));
  QFile task(m_dir.filePath("node/jobs/" + stored.nodeJobId + "/task.json"));
  QVERIFY(task.open(QIODevice::ReadOnly));
  const QJsonObject written = QJsonDocument::fromJson(task.readAll()).object();
  QCOMPARE(written["job"].toObject(), job);
  QCOMPARE(written["job_folder"].toString(), folder);
  // Its model quantized (the Export tab's way): calibrated on the arrays beside the job file.
  const qint64 int8 = m_controller->quantizeRun(stored.id, {.samples = 32});
  QTRY_VERIFY_WITH_TIMEOUT(!remote::isUnderWay(m_store->run(int8).state), test::timeScaled(60000));
  QVERIFY2(m_store->run(int8).state == app::RunState::Succeeded,
           qPrintable(m_store->run(int8).reason));
  m_window->tabs()->setCurrentWidget(m_window->exportPanel());
  m_window->exportPanel()->showRun(int8);
  auto* report = field<QLabel>("quantizeReport");
  QTRY_VERIFY2(report->text().contains(folder + "/x.npy"), qPrintable(report->text()));
  QVERIFY2(report->minimumSizeHint().width() < 700, qPrintable(report->text()));  // wraps
  // Random arrays: int8 answers as fp32 did, so no class loses (the line does not name one).
  const QJsonObject hardest = QJsonDocument::fromJson(m_store->lastEvent(int8, "quantize"))
                                  .object()
                                  .value("report")["hardest_hit_class"]
                                  .toObject();
  QCOMPARE(report->text().contains("No class loses accuracy in int8."),
           hardest["points"].toDouble() >= 0);
  screenshot("export-report-own-data");

  // A job file that fine-tunes the trained model, named beside it: the designer's "From job"
  // draws that file, as the node reads it.
  QVERIFY(QFile::copy(m_dir.filePath("node/jobs/" + stored.nodeJobId + "/out/model.twbm"),
                      folder + "/trained.twbm"));
  QJsonObject fineTune = job;
  fineTune["model"] = QJsonObject{{"file", "trained.twbm"}};
  QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
  file.write(QJsonDocument(fineTune).toJson());
  file.close();
  QVERIFY(m_window->openJobFile(path));
  // The Input sizes field's button reads that file too, not one of the workbench's folder.
  field<QLineEdit>("modelInputShape")->findChild<QAction*>("askInputSizes")->trigger();
  QTRY_COMPARE_WITH_TIMEOUT(QToolTip::text(),
                            QString("trained.twbm leaves no size free beyond those given."),
                            twb::test::timeScaled(30000));
  ui::ModelDesigner& designer = *m_window->designer();
  QSignalSpy opened(&designer, &ui::ModelDesigner::fileOpened);
  QString asked;  // edits the designer holds are the user's to drop
  if (designer.hasUnsavedEdits()) answerTheQuestion(QMessageBox::Discard, &asked);
  for (QAction* action : designer.findChild<QToolBar*>("designerTools")->actions())
    if (action->text() == "From &job") action->trigger();
  QVERIFY(opened.wait(twb::test::timeScaled(30000)));
  QCOMPARE(opened.last(), QVariantList({folder + "/trained.twbm", true}));
  auto* status = designer.findChild<QLabel*>("designerStatus");
  QVERIFY2(status->styleSheet().isEmpty(), qPrintable(status->text()));
  QVERIFY2(designer.document().boxes().contains("logits"),
           qPrintable(designer.document().boxes().join(' ')));
  // Saved again, the file's weights are kept for every layer: the edits left each as it was.
  QSignalSpy saved(&designer, &ui::ModelDesigner::fileSaved);
  QVERIFY(designer.saveFile(folder + "/saved.twbm"));
  QVERIFY(saved.wait(twb::test::timeScaled(30000)));
  QCOMPARE(saved.last(), QVariantList({folder + "/saved.twbm", true}));
  QVERIFY2(
      status->text().contains(QRegularExpression("kept for (\\d+) of \\1 parameters; new: none")),
      qPrintable(status->text()));
  m_window->tabs()->setCurrentWidget(&designer);
  QVERIFY(m_window->grab().save(TWB_BINARY_DIR "/screenshots/designer-model-beside-job.png"));

  // Run > Clone job, after a job file of another folder: the run's job comes back as it ran,
  // its relative paths read from the folder they were read from then.
  QVERIFY(m_window->openJobFile(TWB_SOURCE_DIR "/resources/examples/fmnist-mlp.json"));
  QVERIFY(!m_window->cloneJobOf(int8));  // a quantization's run has no training job
  QVERIFY(m_window->statusBar()->currentMessage().contains("clone that run's job instead"));
  QVERIFY(m_window->cloneJobOf(stored.id));
  QCOMPARE(m_window->jobForm()->job(), job);
  QCOMPARE(m_window->windowTitle(), QString("Untitled job[*] — Tensor Workbench"));
  QVERIFY(!m_window->isWindowModified());  // the run keeps it: nothing to lose yet
  QCOMPARE(m_window->tabs()->currentWidget(), m_window->jobForm());
  QTRY_VERIFY2_WITH_TIMEOUT(runEnabled(), qPrintable(field<QLabel>("datasetError")->text()),
                            twb::test::timeScaled(30000));
  screenshot("job-cloned");

  // Saved in another folder, the job's relative paths would name other files: asked first.
  QAction* saveAs = nullptr;
  for (QAction* action : m_window->findChildren<QAction*>())
    if (action->text() == "Save job &as…") saveAs = action;
  QVERIFY(saveAs);
  const QString elsewhere = m_dir.filePath("elsewhere");
  QVERIFY(QDir().mkpath(elsewhere));
  const auto onDisk = [](const QString& path) {
    QFile saved(path);
    return saved.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(saved.readAll()).object()
                                           : QJsonObject();
  };
  answerTheFileDialog(elsewhere + "/cancelled.json");
  answerTheQuestion(QMessageBox::Cancel, &asked);
  saveAs->trigger();
  QVERIFY2(asked.contains(folder) && asked.contains(elsewhere), qPrintable(asked));
  QVERIFY(!QFile::exists(elsewhere + "/cancelled.json"));
  QCOMPARE(m_window->jobForm()->job(), job);
  // Kept as written: the file is the job as it was, and names the arrays beside it, not there.
  answerTheFileDialog(elsewhere + "/as-written.json");
  answerTheQuestion(QMessageBox::No, &asked);
  saveAs->trigger();
  QCOMPARE(onDisk(elsewhere + "/as-written.json"), job);
  QTRY_VERIFY2_WITH_TIMEOUT(field<QLabel>("datasetError")->text().contains(elsewhere + "/x.npy"),
                            qPrintable(field<QLabel>("datasetError")->text()),
                            twb::test::timeScaled(30000));
  QVERIFY(!runEnabled());
  // Naming the same files: the paths rewritten from the new folder, and the node finds them.
  QVERIFY(m_window->cloneJobOf(stored.id));
  answerTheFileDialog(elsewhere + "/same-files.json");
  answerTheQuestion(QMessageBox::Yes, &asked);
  saveAs->trigger();
  QJsonObject moved = job;
  moved["dataset"] = "npy:../experiment/x.npy,../experiment/y.npy";
  QCOMPARE(onDisk(elsewhere + "/same-files.json"), moved);
  QCOMPARE(m_window->jobForm()->job(), moved);
  QVERIFY(!m_window->isWindowModified());
  QCOMPARE(m_window->windowTitle(), QString("same-files.json[*] — Tensor Workbench"));
  QTRY_VERIFY2_WITH_TIMEOUT(runEnabled(), qPrintable(field<QLabel>("datasetError")->text()),
                            twb::test::timeScaled(30000));
  screenshot("job-saved-elsewhere");

  // A sweep's values for those fields move with them; the rest of the file stays as it was.
  QJsonObject sweep = job;
  sweep["sweep"] = QJsonObject{
      {"parameters", QJsonObject{{"dataset", QJsonArray{"npy:x.npy,y.npy", "fashion-mnist"}},
                                 {"optimizer.lr", QJsonArray{0.1, 0.01}}}}};
  QFile sweepFile(folder + "/sweep.json");
  QVERIFY(sweepFile.open(QIODevice::WriteOnly));
  sweepFile.write(QJsonDocument(sweep).toJson());
  sweepFile.close();
  QVERIFY(m_window->openJobFile(sweepFile.fileName()));
  answerTheFileDialog(elsewhere + "/sweep-same-files.json");
  answerTheQuestion(QMessageBox::Yes, &asked);
  saveAs->trigger();
  QVERIFY2(asked.contains("sweep.parameters.dataset[0]: npy:x.npy,y.npy → "
                          "npy:../experiment/x.npy,../experiment/y.npy"),
           qPrintable(asked));
  sweep["dataset"] = moved["dataset"];
  sweep["sweep"] = QJsonObject{
      {"parameters", QJsonObject{{"dataset", QJsonArray{moved["dataset"], "fashion-mnist"}},
                                 {"optimizer.lr", QJsonArray{0.1, 0.01}}}}};
  QCOMPARE(onDisk(elsewhere + "/sweep-same-files.json"), sweep);
  QVERIFY(m_window->openJobFile(elsewhere + "/same-files.json"));  // the tests after run no sweep
}

// The job is never dropped with changes unsaved: the title marks them, File > Save job writes
// the file it came from, and closing the window (or opening another job) asks first.
void WorkbenchGuiTest::aJobIsNeverPutAsideUnsaved() {
  const QJsonObject before = m_window->jobForm()->job();
  const QString path = m_dir.filePath("unsaved.json");
  const QJsonObject job{{"name", "unsaved"},
                        {"model", QJsonObject{{"template", "mlp"}}},
                        {"dataset", "fashion-mnist"},
                        {"batch", 32}};
  const auto writeJob = [&](const QJsonObject& json) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(QJsonDocument(json).toJson());
  };
  const auto batchOnDisk = [&] {
    QFile file(path);
    return file.open(QIODevice::ReadOnly) ? QJsonDocument::fromJson(file.readAll())["batch"].toInt()
                                          : -1;
  };
  writeJob(job);
  QVERIFY(m_window->openJobFile(path));
  QCOMPARE(m_window->windowTitle(), QString("unsaved.json[*] — Tensor Workbench"));
  QVERIFY(!m_window->isWindowModified());
  QVERIFY(windowWouldClose());  // nothing to lose: no question
  field<QSpinBox>("batch")->setValue(48);
  QVERIFY(m_window->isWindowModified());
  // Kept: the window stays, and the job with it.
  QString asked;
  answerTheQuestion(QMessageBox::Cancel, &asked);
  QVERIFY(!windowWouldClose());
  QCOMPARE(asked, "The job has changes that are not saved in " + path + ".");
  QCOMPARE(m_window->jobForm()->job()["batch"].toInt(), 48);
  // Saved: into the file it came from.
  answerTheQuestion(QMessageBox::Save, &asked);
  QVERIFY(windowWouldClose());
  QCOMPARE(batchOnDisk(), 48);
  QVERIFY(!m_window->isWindowModified());
  // Discarded: the file keeps what was saved.
  field<QSpinBox>("batch")->setValue(64);
  answerTheQuestion(QMessageBox::Discard, &asked);
  QVERIFY(windowWouldClose());
  QCOMPARE(batchOnDisk(), 48);
  // Typing in the editor is a change too; File > Save job does not write over what was typed
  // last, and refuses text that is no job yet.
  QPlainTextEdit* text = m_window->jobForm()->advancedEditor()->text();
  text->moveCursor(QTextCursor::Start);
  QTest::keyClicks(text, "x");
  QVERIFY(m_window->jobForm()->hasUnsavedChanges());
  QAction* save = nullptr;
  for (QAction* action : m_window->findChildren<QAction*>())
    if (action->text() == "&Save job") save = action;
  QVERIFY(save);
  answerTheQuestion(QMessageBox::Ok, &asked);
  save->trigger();
  QCOMPARE(asked, "The Advanced editor's text is not a job file yet: correct it, then save.\n" +
                      m_window->jobForm()->advancedEditor()->problem()->text());
  QCOMPARE(batchOnDisk(), 48);
  QTest::keyClick(text, Qt::Key_Backspace);
  QTextCursor beforeTheEnd(text->document());  // before the closing brace
  beforeTheEnd.setPosition(text->toPlainText().lastIndexOf('}'));
  text->setTextCursor(beforeTheEnd);
  QTest::keyClicks(text, ", \"seed\": 7");
  save->trigger();  // at once, within the editor's pause
  QFile file(path);
  QVERIFY(file.open(QIODevice::ReadOnly));
  QCOMPARE(QJsonDocument::fromJson(file.readAll())["seed"].toInt(), 7);
  QVERIFY(!m_window->isWindowModified());
  // File > New job: asked first while the job has changes; a new job has none.
  QAction* newJob = nullptr;
  for (QAction* action : m_window->findChildren<QAction*>())
    if (action->text() == "Ne&w job") newJob = action;
  QVERIFY(newJob);
  field<QSpinBox>("batch")->setValue(96);
  answerTheQuestion(QMessageBox::Cancel, &asked);
  newJob->trigger();
  QCOMPARE(m_window->jobForm()->job()["batch"].toInt(), 96);
  answerTheQuestion(QMessageBox::Discard, &asked);
  newJob->trigger();
  QCOMPARE(m_window->jobForm()->job(), ui::JobForm::newJob());
  QCOMPARE(m_window->windowTitle(), QString("Untitled job[*] — Tensor Workbench"));
  QVERIFY(!m_window->isWindowModified());
  QCOMPARE(batchOnDisk(), 64);  // as the save with the seed wrote it
  m_window->jobForm()->setJob(before);
  m_window->jobForm()->markSaved();
}

// File > Open recent: the job files opened and saved, newest first; one gone since is said when
// chosen, and dropped.
void WorkbenchGuiTest::recentJobFilesAreOffered() {
  auto* recent = m_window->findChild<ui::RecentJobsMenu*>("recentJobs");
  QVERIFY(recent);
  const QList<QAction*> clear = recent->actions();
  clear.back()->trigger();  // what earlier runs of the tests left
  QVERIFY(!recent->isEnabled());
  const QJsonObject before = m_window->jobForm()->job();
  const QJsonObject job{{"name", "recent"}, {"model", QJsonObject{{"template", "mlp"}}}};
  const auto write = [&](const QString& path, const QJsonObject& json) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(QJsonDocument(json).toJson());
  };
  const QString first = m_dir.filePath("first.json"), second = m_dir.filePath("second.json");
  write(first, job);
  QJsonObject other = job;
  other["name"] = "second";
  write(second, other);
  QVERIFY(m_window->openJobFile(first));
  QVERIFY(m_window->openJobFile(second));
  QVERIFY(m_window->openJobFile(first));  // again: first once, on top
  QCOMPARE(recent->paths(), QStringList({first, second}));
  QVERIFY(recent->isEnabled());
  QCOMPARE(recent->actions().front()->text(),
           QString("&1 first.json — %1").arg(QDir::toNativeSeparators(m_dir.path())));
  recent->popup(m_window->mapToGlobal(QPoint(40, 40)));
  QVERIFY(recent->grab().save(TWB_BINARY_DIR "/screenshots/recent-jobs.png"));
  recent->hide();
  recent->actions()[1]->trigger();
  QCOMPARE(m_window->jobForm()->job()["name"].toString(), QString("second"));
  // Gone since: said, and dropped from the list.
  QVERIFY(QFile::remove(first));
  QString said;
  answerTheQuestion(QMessageBox::Ok, &said);
  recent->actions()[1]->trigger();
  QVERIFY2(said.startsWith("Cannot read " + first), qPrintable(said));
  QCOMPARE(recent->paths(), QStringList({second}));
  QCOMPARE(m_window->jobForm()->job()["name"].toString(), QString("second"));  // kept
  m_window->jobForm()->setJob(before);
  m_window->jobForm()->markSaved();
}

// `tensor-workbench JOB --node NAME`: a node that exists is chosen; one that does not is said,
// with the nodes there are, and the Job tab keeps the node it had.
void WorkbenchGuiTest::aNodeAskedForIsChosenOrNamedAsMissing() {
  m_window->jobForm()->setNodes({"lab-a", "lab-b"});
  QVERIFY(m_window->chooseNode("lab-b"));
  QCOMPARE(m_window->jobForm()->node(), QString("lab-b"));
  QString said;
  QTimer::singleShot(0, this, [&] {
    QTRY_VERIFY(QApplication::activeModalWidget());
    auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget());
    QVERIFY(box);
    said = box->text();
    box->grab().save(QString(TWB_BINARY_DIR "/screenshots/no-such-node.png"));
    box->accept();
  });
  QVERIFY(!m_window->chooseNode("lab-c"));
  QCOMPARE(said,
           QString("There is no node lab-c. The nodes are: local, lab-a, lab-b (Nodes dialog)."));
  QCOMPARE(m_window->jobForm()->node(), QString("lab-b"));
  QVERIFY(m_window->chooseNode("local"));
  m_window->jobForm()->setNodes({});
}
