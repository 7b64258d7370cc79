#include "ui/compare_cells.h"
#include "workbench_gui_test.h"

void WorkbenchGuiTest::compareListsEveryPrecision() {
  m_window->tabs()->setCurrentWidget(m_window->comparePanel());
  QTableWidget* table = m_window->findChild<QTableWidget*>("compareTable");
  const int rows = trainedRuns() + 1, int8 = trainedRuns();
  const int accuracy = columnOf(table, "Test accuracy"), toTarget = columnOf(table, "Time to");
  QTRY_VERIFY_WITH_TIMEOUT(table->rowCount() == rows && table->item(int8, accuracy) &&
                               !table->item(int8, accuracy)->text().isEmpty(),
                           twb::test::timeScaled(30000));
  QStringList precisions;
  for (int row = 0; row < rows; ++row) {
    precisions << table->item(row, 1)->text();
    QVERIFY2(table->item(row, accuracy)->text().endsWith("%"),
             qPrintable(table->item(row, accuracy)->text()));
    const QString speedup = table->item(row, columnOf(table, "Speedup"))->text();
    QVERIFY2(speedup.endsWith("×"), qPrintable(speedup));
    QVERIFY(!table->item(row, columnOf(table, "Model size"))->text().isEmpty());
    // What each run's process held at most (the int8 run's: the quantization's), as it said when
    // it succeeded.
    const QTableWidgetItem* peak = table->item(row, columnOf(table, "Peak memory"));
    QVERIFY2(peak->data(ui::kValueRole).toDouble() > 50e6, qPrintable(peak->text()));
    QCOMPARE(table->item(row, columnOf(table, "Ran on"))->text(), QString("CPU"));
  }
  QCOMPARE(precisions, trainedRuns() == 2 ? QStringList({"fp32", "bf16", "int8"})
                                          : QStringList({"fp32", "int8"}));
  QCOMPARE(table->item(0, columnOf(table, "Δ vs baseline"))->text(),
           QString("+0.00 pt"));  // fp32 is the baseline
  QCOMPARE(table->item(int8, columnOf(table, "Measured in"))->text(), QString("inference"));
  // All on one rank: no Scaling column shown (the CSV keeps it, empty).
  QVERIFY(table->isColumnHidden(columnOf(table, "Scaling")));

  // Time to a chosen test accuracy: reached by both trained runs within their run time. The
  // panel reads off the GUI thread, and a read asked earlier may answer first: wait for what
  // each change shows.
  ui::ComparePanel* compare = m_window->comparePanel();
  compare->setTargetAccuracy(70);
  QTRY_COMPARE(table->horizontalHeaderItem(toTarget)->text(), QString("Time to 70 %"));
  for (int row = 0; row < trainedRuns(); ++row) {
    const QString text = table->item(row, toTarget)->text();
    QVERIFY2(
        text.endsWith(" s") && text.chopped(2).toDouble() > 0 && text.chopped(2).toDouble() < 120,
        qPrintable(text));
  }
  QVERIFY(table->item(int8, toTarget)->text().isEmpty());  // the int8 run did not train
  compare->setTargetAccuracy(99.9);
  QTRY_COMPARE(table->item(0, toTarget)->text(), QString("not reached"));
  compare->setTargetAccuracy(75);
  QTRY_COMPARE(table->horizontalHeaderItem(toTarget)->text(), QString("Time to 75 %"));
  // The chart overlays both trained runs' test accuracy, one point per evaluation.
  QTRY_COMPARE(compare->chart()->graphCount(), trainedRuns());
  for (int g = 0; g < trainedRuns(); ++g) QVERIFY(compare->chart()->graph(g)->dataCount() >= 4);
  table->item(0, 0)->setCheckState(Qt::Unchecked);  // leave fp32 out of the chart
  QTRY_COMPARE(compare->chart()->graphCount(), trainedRuns() - 1);
  if (trainedRuns() == 2) QCOMPARE(compare->chart()->graph(0)->name(), table->item(1, 0)->text());
  table->item(0, 0)->setCheckState(Qt::Checked);
  QTRY_COMPARE(compare->chart()->graphCount(), trainedRuns());
  QVERIFY(ui::saveChart(compare->chart(), m_dir.filePath("compare.png")));
  screenshot("compare");
  // By class: one bar a class for each trained run (its last evaluation) and for the int8
  // run (its int8 evaluation), right answers over the class's test samples, which add up to
  // the run's test accuracy in the table; Fashion-MNIST's names on the axis.
  auto* metric = field<QComboBox>("compareMetric");
  metric->setCurrentIndex(metric->findData("eval/by_class"));
  QTRY_VERIFY(compare->chart()->graphCount() == 0 && compare->chart()->plottableCount() == rows);
  for (int row = 0; row < rows; ++row) {
    const qint64 runId = table->item(row, 0)->data(Qt::UserRole).toLongLong();
    const QJsonObject event =
        QJsonDocument::fromJson(m_store->lastEvent(runId, row == int8 ? "quantize" : "eval"))
            .object();
    const QJsonValue perClass =
        row == int8 ? event.value("report")["int8"]["per_class"] : event.value("per_class");
    const QJsonArray correct = perClass["correct"].toArray(),
                     samples = perClass["samples"].toArray();
    auto* bars = qobject_cast<QCPBars*>(compare->chart()->plottable(row));
    QVERIFY(bars);
    QCOMPARE(bars->name(), table->item(row, 0)->text());
    QCOMPARE(bars->dataCount(), 10);
    double right = 0, all = 0;
    for (int c = 0; c < 10; ++c) {
      QVERIFY(qAbs(bars->data()->at(c)->value -
                   100 * correct[c].toDouble() / samples[c].toDouble()) < 1e-9);
      right += correct[c].toDouble();
      all += samples[c].toDouble();
    }
    QCOMPARE(all, 10000.0);
    QVERIFY2(qAbs(100 * right / all -
                  table->item(row, accuracy)->data(Qt::UserRole + 1).toDouble()) < 0.01,
             qPrintable(table->item(row, accuracy)->text()));
  }
  auto ticker = compare->chart()->xAxis->ticker().dynamicCast<QCPAxisTickerText>();
  QVERIFY(ticker);
  QCOMPARE(ticker->ticks().value(0), QString("T-shirt/top"));
  QCOMPARE(ticker->ticks().value(9), QString("Ankle boot"));
  screenshot("compare-by-class");

  // The confusion matrix, of the newest run (int8) at first: a cell per label and answer,
  // coloured by the label's share and written with the count of the int8 report.
  auto* charts = compare->findChild<QTabWidget*>("compareCharts");
  ui::ConfusionView* confusion = compare->confusion();
  charts->setCurrentWidget(confusion);
  const auto perClassOf = [&](int row) {
    const qint64 runId = table->item(row, 0)->data(Qt::UserRole).toLongLong();
    const QJsonObject event =
        QJsonDocument::fromJson(m_store->lastEvent(runId, row == int8 ? "quantize" : "eval"))
            .object();
    return (row == int8 ? event.value("report")["int8"]["per_class"] : event.value("per_class"))
        .toObject();
  };
  const auto shareOf = [](const QJsonObject& perClass, int label, int answer) {
    const QJsonArray counts = perClass["confusion"][label].toArray();
    double samples = 0;
    for (const QJsonValue& count : counts) samples += count.toDouble();
    return 100 * counts[answer].toDouble() / samples;
  };
  QCOMPARE(field<QComboBox>("confusionRun")->currentText(), table->item(int8, 0)->text());
  QVERIFY(confusion->note().isEmpty());
  const QJsonObject int8Classes = perClassOf(int8), fp32Classes = perClassOf(0);
  auto* cells = qobject_cast<QCPColorMap*>(confusion->chart()->plottable(0));
  QVERIFY(cells);
  QCOMPARE(cells->data()->keySize(), 10);
  for (int label = 0; label < 10; ++label)
    for (int answer = 0; answer < 10; ++answer)
      QVERIFY(qAbs(cells->data()->cell(answer, label) - shareOf(int8Classes, label, answer)) <
              1e-9);
  QCOMPARE(confusion->chart()->itemCount(), 100);
  for (int i = 0; i < confusion->chart()->itemCount(); ++i) {
    auto* text = qobject_cast<QCPItemText*>(confusion->chart()->item(i));
    const QPointF at = text->position->coords();
    QCOMPARE(text->text(),
             QString::number(int8Classes["confusion"][int(at.y())][int(at.x())].toInteger()));
  }
  screenshot("compare-confusion");
  // Against fp32: the change of each share in points, signed so that red is worse (fewer
  // right answers on the diagonal, more of a wrong one elsewhere).
  const qint64 int8Id = table->item(int8, 0)->data(Qt::UserRole).toLongLong(),
               fp32Id = table->item(0, 0)->data(Qt::UserRole).toLongLong();
  confusion->choose(int8Id, fp32Id);
  table->setCurrentCell(0, accuracy);  // picking a run in the table draws its matrix
  QCOMPARE(confusion->run(), fp32Id);
  QCOMPARE(confusion->against(), fp32Id);
  table->setCurrentCell(int8, accuracy);
  QCOMPARE(confusion->run(), int8Id);
  cells = qobject_cast<QCPColorMap*>(confusion->chart()->plottable(0));
  for (int label = 0; label < 10; ++label)
    for (int answer = 0; answer < 10; ++answer) {
      const double change =
          shareOf(int8Classes, label, answer) - shareOf(fp32Classes, label, answer);
      QVERIFY(qAbs(cells->data()->cell(answer, label) - (label == answer ? -change : change)) <
              1e-9);
    }
  screenshot("compare-confusion-change");
  charts->setCurrentIndex(0);
  metric->setCurrentIndex(0);
  QTRY_COMPARE(compare->chart()->graphCount(), trainedRuns());
  const QString csv = m_dir.filePath("compare.csv");
  QVERIFY(m_window->comparePanel()->exportCsv(csv));
  QFile file(csv);
  QVERIFY(file.open(QIODevice::ReadOnly));
  QCOMPARE(file.readAll().count('\n'), rows + 1);
}

// The confusion view's cells worked out by hand, and why it draws nothing when it does not:
// no evaluated run, a run without a matrix, two runs whose classes differ.
void WorkbenchGuiTest::confusionViewSaysWhyItDrawsNothing() {
  ui::ConfusionView view;
  view.resize(800, 500);
  view.show();
  QVERIFY(QTest::qWaitForWindowExposed(&view));
  view.setRuns({});
  QCOMPARE(view.note(), QString("No run of this project has been evaluated yet."));
  const QJsonObject three{
      {"confusion", QJsonArray{QJsonArray{5, 1, 0}, QJsonArray{0, 6, 0}, QJsonArray{2, 0, 4}}},
      {"names", QJsonArray{"cat", "dog", "fox"}}};
  const QJsonObject two{{"confusion", QJsonArray{QJsonArray{3, 1}, QJsonArray{0, 4}}}};
  const QJsonObject without{{"correct", QJsonArray{1}}, {"samples", QJsonArray{2}}};
  view.setRuns({{1, "three", three}, {2, "two", two}, {3, "imagenet", without}});
  QCOMPARE(view.note(), QString("imagenet has no confusion matrix: it has more than 100 classes, "
                                "or it was evaluated by an older engine."));  // the newest
  view.choose(1, 2);
  QCOMPARE(view.note(), QString("three has 3 classes, two has 2: their matrices do not compare."));
  QCOMPARE(view.chart()->plottableCount(), 0);
  view.choose(1);
  QVERIFY(view.note().isEmpty());
  auto* cells = qobject_cast<QCPColorMap*>(view.chart()->plottable(0));
  QVERIFY(cells);
  QCOMPARE(cells->data()->cell(0, 0), 500.0 / 6);  // (answer, label): cat taken for a cat
  QCOMPARE(cells->data()->cell(1, 0), 100.0 / 6);  // a cat taken for a dog
  QCOMPARE(cells->data()->cell(0, 2), 200.0 / 6);  // a fox taken for a cat
  QCOMPARE(cells->data()->cell(1, 1), 100.0);
  auto ticker = view.chart()->yAxis->ticker().dynamicCast<QCPAxisTickerText>();
  QCOMPARE(ticker->ticks().values(), QList<QString>({"cat", "dog", "fox"}));
  QVERIFY(view.chart()->yAxis->rangeReversed());  // the first label on top
  QCOMPARE(view.describeCell(2, 0),
           QString("fox taken for cat: 2 of 6 (33.33 %)"));  // its tooltip
  QCOMPARE(view.describeCell(1, 1), QString("dog answered dog: 6 of 6 (100.00 %)"));
  QVERIFY(view.describeCell(3, 0).isEmpty());  // below the matrix
  const QJsonObject fewerFoxes{
      {"confusion", QJsonArray{QJsonArray{6, 0, 0}, QJsonArray{0, 6, 0}, QJsonArray{1, 0, 5}}}};
  view.setRuns({{1, "three", three}, {4, "fewer foxes", fewerFoxes}});
  view.choose(1, 4);
  QCOMPARE(view.describeCell(2, 0),
           QString("fox taken for cat: 2 of 6 (33.33 %)\nfewer foxes: 16.67 % (+16.67 points)"));
  auto* change = qobject_cast<QCPColorMap*>(view.chart()->plottable(0));
  QCOMPARE(change->data()->cell(0, 2), 100.0 / 6);          // more foxes taken for cats: worse, red
  QCOMPARE(change->data()->cell(0, 0), 100.0 - 500.0 / 6);  // fewer cats right: worse, red
  // A hundred classes: colour alone (no counts written), every fourth class named.
  QJsonArray hundred;
  for (int label = 0; label < 100; ++label) {
    QJsonArray row;
    for (int answer = 0; answer < 100; ++answer)
      row.append(answer == label ? 9 : (answer == (label + 1) % 100));
    hundred.append(row);
  }
  view.setRuns({{5, "cifar-100", QJsonObject{{"confusion", hundred}}}});
  QVERIFY(view.note().isEmpty());
  QCOMPARE(view.chart()->itemCount(), 0);
  const auto named = view.chart()->xAxis->ticker().dynamicCast<QCPAxisTickerText>()->ticks();
  QCOMPARE(named.size(), 25);
  QCOMPARE(named.lastKey(), 96.0);
  QCOMPARE(view.describeCell(99, 0), QString("99 taken for 0: 1 of 10 (10.00 %)"));
}

// Runs with one evaluation each and close accuracies: columns sort by value, the CSV holds the
// raw numbers with units in its header, the job field that differs gets a column, and the
// chart shows final values as dots on an axis around them.
void WorkbenchGuiTest::compareSortsByValueAndExportsRawNumbers() {
  app::ExperimentStore store(m_dir.filePath("compare.db"));
  const qint64 project = store.addProject("learning rates");
  const double lrs[] = {0.1, 0.02, 0.3}, accuracies[] = {0.8253, 0.8254, 0.8101},
               throughputs[] = {9500.5, 12000.25, 700};
  for (int i = 0; i < 3; ++i) {
    const QJsonObject job{{"name", "mlp"},
                          {"optimizer", QJsonObject{{"type", "sgd"}, {"lr", lrs[i]}}},
                          {"batch", 128},
                          {"seed", 1}};
    app::Run run;
    run.projectId = project;
    run.name = QString("lr %1").arg(lrs[i]);
    run.jobJson = QString::fromUtf8(QJsonDocument(job).toJson());
    run.node = "local";
    run.state = twb::app::RunState::Succeeded;
    run.precision = "fp32";
    const qint64 id = store.addRun(run);
    const QJsonObject eval{{"type", "eval"},
                           {"step", 100},
                           {"epoch", 1},
                           {"time", 1000.0},
                           {"accuracy", accuracies[i]},
                           {"loss", 0.5}};
    store.appendEvent(id, 1, "eval", QJsonDocument(eval).toJson());
    store.setRunSummary(id, {{"test_accuracy", accuracies[i]},
                             {"samples_per_s", throughputs[i]},
                             {"mode", "train"},
                             {"model_bytes", 1500000.0 + i},
                             {"gflops", 10.0 * (i + 1)}});
  }
  // MFU: each run's sustained GFLOP/s against its node's fp32 matmul peak.
  store.saveNode("local",
                 {{"peaks", QJsonArray{QJsonObject{{"precision", "fp32"}, {"gflops", 200.0}}}}});
  store.flush();
  app::StoreReader reader(store);
  ui::ComparePanel compare(reader, project);
  compare.resize(1100, 700);
  compare.show();
  QVERIFY(QTest::qWaitForWindowExposed(&compare));
  QSignalSpy refreshed(&compare, &ui::ComparePanel::refreshed);
  compare.refresh();
  QVERIFY(refreshed.wait());
  QTableWidget* table = compare.table();
  QStringList headers;
  for (int c = 0; c < table->columnCount(); ++c) headers << table->horizontalHeaderItem(c)->text();
  QVERIFY2(
      headers.contains("optimizer.lr") && !headers.contains("batch") && !headers.contains("seed"),
      qPrintable(headers.join(" | ")));
  const int samples = static_cast<int>(headers.indexOf("Samples/s"));
  table->sortItems(samples, Qt::AscendingOrder);  // as text: "12,000" < "700" < "9,500"
  QStringList order;
  for (int r = 0; r < 3; ++r) order << table->item(r, 0)->text();
  QCOMPARE(order, QStringList({"lr 0.3", "lr 0.1", "lr 0.02"}));
  const QString csv = m_dir.filePath("learning-rates.csv");
  QVERIFY(compare.exportCsv(csv));
  QFile file(csv);
  QVERIFY(file.open(QIODevice::ReadOnly | QIODevice::Text));
  const QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
  QCOMPARE(lines.size(), 4);
  const QStringList header = lines[0].split(',');
  QVERIFY2(header.contains("Test accuracy (%)") && header.contains("Samples/s (samples/s)") &&
               header.contains("Model size (bytes)") && header.contains("optimizer.lr"),
           qPrintable(lines[0]));
  for (int r = 1; r < 4; ++r) {
    const QStringList fields = lines[r].split(',');
    const int i = static_cast<int>(std::find(std::begin(lrs), std::end(lrs),
                                             fields[header.indexOf("optimizer.lr")].toDouble()) -
                                   std::begin(lrs));
    QVERIFY(i < 3);
    QCOMPARE(fields[header.indexOf("Samples/s (samples/s)")].toDouble(), throughputs[i]);
    QCOMPARE(fields[header.indexOf("Test accuracy (%)")].toDouble(), accuracies[i] * 100);
    QCOMPARE(fields[header.indexOf("Model size (bytes)")].toDouble(), 1500000.0 + i);
  }
  const int mfu = static_cast<int>(headers.indexOf("MFU"));
  for (int r = 0; r < 3; ++r) {
    const int i =
        static_cast<int>(std::find(std::begin(throughputs), std::end(throughputs),
                                   table->item(r, samples)->data(Qt::UserRole + 1).toDouble()) -
                         std::begin(throughputs));
    QCOMPARE(table->item(r, mfu)->text(),
             QString::number(100 * 10.0 * (i + 1) / 200, 'f', 1) + " %");
  }
  // One evaluation a run: a dot at each final value (no bars cut off above 0), on an axis
  // around them rather than 0-100.
  QCOMPARE(compare.chart()->plottableCount(), 3);
  QCOMPARE(compare.chart()->graphCount(), 3);
  for (int g = 0; g < 3; ++g) {
    const QCPGraph* dot = compare.chart()->graph(g);
    QCOMPARE(dot->lineStyle(), QCPGraph::lsNone);
    QCOMPARE(dot->dataCount(), 1);
    const int run = static_cast<int>(
        std::find_if(std::begin(lrs), std::end(lrs),
                     [&](double lr) { return dot->name() == QString("lr %1").arg(lr); }) -
        std::begin(lrs));
    QVERIFY2(run < 3, qPrintable(dot->name()));
    QVERIFY(qFuzzyCompare(dot->data()->at(0)->value, accuracies[run] * 100));
  }
  const QCPRange y = compare.chart()->yAxis->range();
  QVERIFY2(y.lower > 75 && y.upper < 90, qPrintable(QString("%1 .. %2").arg(y.lower).arg(y.upper)));
  QVERIFY(compare.grab().save(QString(TWB_BINARY_DIR "/screenshots/compare-few-evaluations.png")));
}

// Where each run trained, and how its throughput per rank compares with the baseline's: one rank,
// two ranks, four ranks on two nodes (MFU against both nodes' peaks) and a GPU run (no CPU MFU,
// no scaling against CPU runs), as the engine's events say it.
void WorkbenchGuiTest::compareShowsWhereRunsRanAndHowTheyScale() {
  app::ExperimentStore store(m_dir.filePath("scaling.db"));
  const qint64 project = store.addProject("scaling");
  struct Placed {
    const char* name;
    const char* device;
    int ranks;
    QStringList nodes;
    double samplesPerS, gflops;
    double stepMs, dataMs, computeMs, exposedMs;  // where a step went
  };
  const Placed placed[] = {{"1 rank", "cpu", 1, {"a"}, 1000, 100, 10, 0.5, 9.5, 0},
                           {"2 ranks", "cpu", 2, {"a"}, 1860, 186, 10.75, 0.5, 9.9, 0.35},
                           {"4 ranks", "cpu", 4, {"a", "b"}, 3000, 300, 13.5, 0.75, 10.25, 2.5},
                           {"gpu",
                            "cuda:0 (NVIDIA H200, 139.8 GiB, compute capability 9.0)",
                            1,
                            {"a"},
                            50000,
                            5000,
                            1,
                            0.1,
                            0.9,
                            0}};
  QList<qint64> ids;
  for (const Placed& p : placed) {
    app::Run run;
    run.projectId = project;
    run.name = p.name;
    // The four ranks split one global batch of 128: 32 each, half the baseline's 64 (the
    // engine's default batch).
    run.jobJson = p.ranks == 4
                      ? R"({"name": "mlp", "batch": 128, "parallel": {"global_batch": true}})"
                      : R"({"name": "mlp"})";
    run.node = p.nodes[0];
    run.state = twb::app::RunState::Succeeded;
    run.precision = "fp32";
    const qint64 id = store.addRun(run);
    ids << id;
    for (int n = 0; n < p.nodes.size() && p.nodes.size() > 1; ++n)
      store.setRunShare(id, {n, p.nodes[n], n * p.ranks / 2, QString("job-%1").arg(n)});
    store.appendEvent(
        id, 1, "state",
        QJsonDocument(QJsonObject{{"state", "running"}, {"device", p.device}, {"time", 1000.0}})
            .toJson());
    QJsonObject step{
        {"step", 50},          {"samples_per_s", p.samplesPerS}, {"step_ms", p.stepMs},
        {"data_ms", p.dataMs}, {"compute_ms", p.computeMs},      {"exposed_comm_ms", p.exposedMs}};
    if (p.ranks > 1) {  // a data-parallel run's step events carry every rank's times
      QJsonArray ranks;
      for (int r = 0; r < p.ranks; ++r) ranks.append(QJsonObject{{"rank", r}, {"step_ms", 5.0}});
      step["ranks"] = ranks;
    }
    store.appendEvent(id, 2, "step", QJsonDocument(step).toJson());
    const double accuracy = 0.85 + 0.002 * ids.size();
    store.appendEvent(id, 3, "eval",
                      QJsonDocument(QJsonObject{{"step", 50},
                                                {"epoch", 1},
                                                {"time", 1000 + 60 / p.ranks},
                                                {"accuracy", accuracy},
                                                {"loss", 0.4}})
                          .toJson());
    store.flush();  // the step's metrics, for the summary
    QJsonObject summary = app::summarizeRun(store, id);
    summary["gflops"] = p.gflops;  // no profile event here to work it out from
    store.setRunSummary(id, summary);
  }
  for (const char* node : {"a", "b"})
    store.saveNode(node,
                   {{"peaks", QJsonArray{QJsonObject{{"precision", "fp32"}, {"gflops", 200.0}}}}});
  store.flush();
  app::StoreReader reader(store);
  ui::ComparePanel compare(reader, project);
  compare.resize(1400, 500);
  compare.show();
  QVERIFY(QTest::qWaitForWindowExposed(&compare));
  QSignalSpy refreshed(&compare, &ui::ComparePanel::refreshed);
  auto* baseline = compare.findChild<QComboBox*>("baseline");
  const auto chooseBaseline = [&](qint64 id) {
    compare.refresh();
    QVERIFY(refreshed.wait());
    baseline->setCurrentIndex(baseline->findData(id));
    compare.refresh();
    QVERIFY(refreshed.wait());
  };
  QTableWidget* table = compare.table();
  const auto column = [&](const QString& header) {
    QStringList texts;
    for (int r = 0; r < table->rowCount(); ++r)
      texts << table->item(r, columnOf(table, header))->text();
    return texts;
  };
  chooseBaseline(ids[0]);
  QCOMPARE(column("Ran on"),
           QStringList({"CPU", "CPU · 2 ranks", "CPU · 4 ranks on 2 nodes", "cuda:0"}));
  // Throughput per rank against the one-rank baseline's: 1860 / 2 / 1000 and 3000 / 4 / 1000.
  QCOMPARE(column("Scaling"), QStringList({"", "93 %", "75 %", ""}));
  QVERIFY(!table->isColumnHidden(columnOf(table, "Scaling")));
  // The four ranks' 300 GFLOP/s against the peaks of both their nodes, 2 × 200.
  QCOMPARE(column("MFU"), QStringList({"50.0 %", "93.0 %", "75.0 %", ""}));
  QVERIFY(table->item(3, columnOf(table, "MFU"))->toolTip().contains("CPU"));
  QVERIFY(table->item(2, columnOf(table, "MFU"))->toolTip().contains("a + b"));
  // Where the two-rank run's scaling went: a rank's step against the baseline's, part by part.
  QCOMPARE(table->item(1, columnOf(table, "Scaling"))->toolTip(),
           QString("2 ranks at 1.86× the throughput of the baseline's 1: 93.0 % of linear scaling\n"
                   "A rank's step: 10.75 ms against the baseline's 10.00 ms\n"
                   "  compute: 9.90 ms (9.50), +0.40 ms\n"
                   "  communication that compute did not hide: 0.35 ms (0.00), +0.35 ms\n"
                   "  data: 0.50 ms (0.50), +0.00 ms"));
  // A rank of the four trained on half the baseline's samples a step: the baseline's times for
  // half of them are what linear scaling would take.
  QCOMPARE(table->item(2, columnOf(table, "Scaling"))->toolTip().section('\n', 1),
           QString("A rank's step: 13.50 ms against 5.00 ms, the baseline's 10.00 ms for a rank's "
                   "50 % of its samples\n"
                   "  compute: 10.25 ms (4.75), +5.50 ms\n"
                   "  communication that compute did not hide: 2.50 ms (0.00), +2.50 ms\n"
                   "  data: 0.75 ms (0.25), +0.50 ms"));
  QVERIFY(compare.grab().save(QString(TWB_BINARY_DIR "/screenshots/compare-scaling.png")));
  // Against the two-rank run: one rank did more per rank (1000 / (1860 / 2)), four on two
  // nodes less (750 / 930).
  chooseBaseline(ids[1]);
  QCOMPARE(column("Scaling"), QStringList({"108 %", "", "81 %", ""}));
  QVERIFY2(table->item(0, columnOf(table, "Scaling"))
               ->toolTip()
               .contains("compute: 9.50 ms (9.90), -0.40 ms"),
           qPrintable(table->item(0, columnOf(table, "Scaling"))->toolTip()));
}
