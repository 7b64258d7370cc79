#include "workbench_gui_test.h"

void WorkbenchGuiTest::profileShowsEveryLayerAndTheBf16Speedups() {
  ui::ProfilePanel* profile = m_window->profilePanel();
  m_window->tabs()->setCurrentWidget(profile);
  // fp32 (and bf16), and the int8 run: its graph shows what runs int8
  QTRY_VERIFY_WITH_TIMEOUT(profile->runChooser()->count() == trainedRuns() + 1,
                           twb::test::timeScaled(30000));
  m_window->runsBrowser()->setCurrentIndex(
      runRow(trainedRuns() - 1));  // the Profile tab follows the browser
  QCOMPARE(profile->runChooser()->currentText(), text(runRow(trainedRuns() - 1), 0));
  QSignalSpy shown(profile, &ui::ProfilePanel::shown);  // its table is read off the GUI thread
  m_window->runsBrowser()->setCurrentIndex(runRow(0));
  QCOMPARE(profile->runChooser()->currentIndex(), 0);
  QTableWidget* table = profile->table();
  // The bf16 run's rows are gone at once: never shown under the fp32 run's name while it is read.
  if (shown.isEmpty()) QCOMPARE(table->rowCount(), 0);
  QTRY_VERIFY(!shown.isEmpty());
  QVERIFY(table->rowCount() >= 3);                   // the mlp's Linear layers, activations, loss
  for (int row = 0; row < table->rowCount(); ++row)  // the fp32 run's own profile
    if (table->item(row, 1)->text() == "Linear")
      QCOMPARE(table->item(row, 3)->text(), QString("f32"));
  QVERIFY(profile->barChart()->xAxis->tickLabels());  // the layers' names under their bars
  QCOMPARE(table->horizontalHeaderItem(10)->text(), QString("Kernel"));
  for (int row = 0; row < table->rowCount(); ++row)  // what computed each matrix product
    if (table->item(row, 1)->text() == "Linear") QVERIFY(!table->item(row, 10)->text().isEmpty());
  table->scrollToItem(table->item(0, 10));
  screenshot("profile-kernel");
  table->scrollToItem(table->item(0, 0));
  if (trainedRuns() == 2) {
    profile->otherChooser()->setCurrentIndex(2);  // (none), fp32, bf16
    QVERIFY(shown.wait());
    int linear = 0;
    for (int row = 0; row < table->rowCount(); ++row)
      if (table->item(row, 1)->text() == "Linear") {
        ++linear;
        QVERIFY2(table->item(row, 9)->text().endsWith("×"), "no bf16 speedup for a Linear layer");
      }
    QCOMPARE(linear, 3);
  }

  // The run's model drawn beside the table, coloured by time: the costliest layer darkest.
  ui::ModelGraphView* graph = profile->graph();
  QTRY_VERIFY(graph->layers().contains("fc1"));
  QString costliest, darkest;
  double most = -1, least = 2;
  for (int row = 0; row < table->rowCount(); ++row) {
    const QString layer = table->item(row, 0)->text();
    const double ms = table->item(row, 4)->data(Qt::UserRole).toDouble() +
                      table->item(row, 5)->data(Qt::UserRole).toDouble();
    if (!graph->layers().contains(layer)) continue;  // the loss: not part of the model
    if (ms > most) most = ms, costliest = layer;
    const double lightness = graph->fillOf(layer).lightnessF();
    if (lightness < least) least = lightness, darkest = layer;
  }
  QCOMPARE(darkest, costliest);
  QVERIFY2(graph->toolTipOf(costliest).contains("% of the step"),
           qPrintable(graph->toolTipOf(costliest)));
  QCOMPARE(graph->fillOf("image"), QColor("#ffffff"));  // the input box
  // A click on a layer selects its row; a row chosen in the table selects the layer's box.
  graph->selectLayer("fc1");
  graph->centerOn(graph->boxOf("fc2").center());
  QTest::mouseClick(graph->viewport(), Qt::LeftButton, {},
                    graph->mapFromScene(graph->boxOf("fc2").center()));
  QTRY_COMPARE(table->item(table->currentRow(), 0)->text(), QString("fc2"));
  // The second run (bf16 where this node has it, else the int8 run) drawn beside the first,
  // the same layers; with a profile of its own it shows its times and the speedup over the
  // first. A click there selects the layer in the table too.
  profile->otherChooser()->setCurrentIndex(2);
  ui::ModelGraphView* other = profile->otherGraph();
  QTRY_VERIFY(other->isVisible());
  QVERIFY2(other->width() > 150, qPrintable(QString::number(other->width())));  // half the side
  QTRY_COMPARE(other->layers(), graph->layers());
  if (trainedRuns() == 2) {
    QTRY_VERIFY2(other->toolTipOf("fc1").contains("% of the step") &&
                     other->toolTipOf("fc1").contains("the other run's speed"),
                 qPrintable(other->toolTipOf("fc1")));
    QVERIFY(other->toolTipOf("fc1") != graph->toolTipOf("fc1"));
  }
  other->centerOn(other->boxOf("fc1").center());
  QTest::mouseClick(other->viewport(), Qt::LeftButton, {},
                    other->mapFromScene(other->boxOf("fc1").center()));
  QTRY_COMPARE(table->item(table->currentRow(), 0)->text(), QString("fc1"));
  screenshot("profile-graph");

  // The Chrome trace: one slice per node for the forward and one for the backward of every
  // profiled step, and per step they add up to what the profile accounted for.
  QDesktopServices::setUrlHandler("file", this, "openUrl");
  QTest::mouseClick(field<QPushButton>("openTrace"), Qt::LeftButton);
  QDesktopServices::unsetUrlHandler("file");
  QVERIFY(m_opened.isLocalFile());
  QVERIFY(m_opened.toLocalFile().startsWith(m_dir.path()));
  QFile traceFile(m_opened.toLocalFile());
  QVERIFY(traceFile.open(QIODevice::ReadOnly));
  QJsonParseError error{};
  const QJsonDocument trace = QJsonDocument::fromJson(traceFile.readAll(), &error);
  QVERIFY2(error.error == QJsonParseError::NoError, qPrintable(error.errorString()));
  const QList<QByteArray> profiles =
      m_store->events(profile->runChooser()->currentData().toLongLong(), "profile");
  QVERIFY(profiles.size() >= 2);
  QHash<int, int> forward, backward;
  QHash<int, double> sliceMs;
  for (const QJsonValue& v : trace.object().value("traceEvents").toArray()) {
    const QJsonObject e = v.toObject();
    if (e.value("ph") != "X") continue;
    const int step = e.value("args").toObject().value("step").toInt();
    forward[step] += e.value("cat") == "forward";
    backward[step] += e.value("cat") == "backward";
    sliceMs[step] += e.value("dur").toDouble() / 1e3;
  }
  QCOMPARE(forward.size(), profiles.size());
  for (const QByteArray& json : profiles) {
    const QJsonObject p = QJsonDocument::fromJson(json).object();
    const int step = p.value("step").toInt();
    int withBackward = 0;
    for (const QJsonValue& l : p.value("layers").toArray())
      withBackward += l.toObject().value("backward_ms").toDouble() > 0;
    QCOMPARE(forward.value(step), static_cast<int>(p.value("layers").toArray().size()));
    QCOMPARE(backward.value(step), withBackward);
    QVERIFY(qAbs(sliceMs.value(step) - p.value("accounted_ms").toDouble()) < 1e-3);
  }
  QVERIFY(field<QLabel>("traceStatus")->text().contains(m_opened.toLocalFile()));
  screenshot("profile");
}

void WorkbenchGuiTest::anInt8RunsGraphShowsItsFallbackLayers() {
  // The int8 run Compare precisions made, and a copy of it whose report kept fc2 in fp32 (what
  // `--max-drop` writes for a sensitive layer), in a project of their own.
  app::Run int8Run;
  QByteArray report;
  for (const app::Run& r : m_store->runs(m_controller->projectId()))
    if (r.precision == "int8") int8Run = r;
  QVERIFY(int8Run.id);
  const QList<QByteArray> quantized = m_store->events(int8Run.id, "quantize");
  QCOMPARE(quantized.size(), 1);
  QJsonObject event = QJsonDocument::fromJson(quantized.front()).object();
  QJsonObject r = event.value("report").toObject();
  QJsonArray layers = r.value("layers").toArray();
  QStringList int8Layers;
  for (int i = 0; i < layers.size(); ++i) {
    QJsonObject l = layers[i].toObject();
    QCOMPARE(l.value("precision").toString(), QString("int8"));
    int8Layers << l.value("name").toString();
    if (l.value("name") == "fc2") l["precision"] = "fp32";
    layers[i] = l;
  }
  QVERIFY(int8Layers.contains("fc2"));
  r["layers"] = layers;
  event["report"] = r;

  OwnProject own(*m_window, *m_controller, "int8 fallback");
  app::Run copy = int8Run;
  copy.projectId = own.id;
  copy.name = "int8, fc2 kept in fp32";
  const qint64 copyId = m_store->addRun(copy);
  m_store->appendEvent(copyId, 1, "quantize", QJsonDocument(event).toJson(QJsonDocument::Compact));
  m_store->flush();
  copy.id = copyId;
  emit m_controller->runAdded(copy);  // as the controller announces a run it stores: listed

  ui::ProfilePanel* profile = m_window->profilePanel();
  m_window->tabs()->setCurrentWidget(profile);
  profile->refresh();
  QTRY_COMPARE(profile->runChooser()->currentData().toLongLong(), copyId);
  // No profile: the bar chart names no layers (not the last run's, not numbers).
  QTRY_VERIFY(!profile->barChart()->xAxis->tickLabels());
  profile->colouringChooser()->setCurrentIndex(1);  // by precision
  ui::ModelGraphView* graph = profile->graph();
  QTRY_COMPARE(graph->fillOf("fc2"), QColor("#e06666"));
  QVERIFY2(graph->toolTipOf("fc2").contains("kept out of int8"),
           qPrintable(graph->toolTipOf("fc2")));
  for (const QString& layer : int8Layers)
    if (layer != "fc2") QCOMPARE(graph->fillOf(layer), QColor("#f9cb9c"));
  QVERIFY(field<QLabel>("graphLegend")->text().contains("int8"));
  screenshot("profile-graph-int8");
  profile->colouringChooser()->setCurrentIndex(0);
}
