#include "workbench_gui_test.h"

// A 3 x 2 grid (lr 0.01 / 0.1 / 0.0001 x fp32 / bf16) of the mlp, started from the Job tab: its
// trials become runs of the project, two at a time; lr 0.0001 is stopped by the median rule;
// Compare is the sweep's table (a column per swept field, sorted by value, the best marked, CSV
// of raw numbers) with its parallel-coordinates chart.
void WorkbenchGuiTest::aSweepFillsTheCompareTable() {
  const OwnProject own(*m_window, *m_controller, "Sweep");
  const qint64 project = own.id;
  QJsonObject job{{"name", "lr-sweep"},
                  {"model", QJsonObject{{"template", "mlp"}}},
                  {"batch", 256},
                  {"max_steps", 200},
                  {"log_every_steps", 1},
                  {"threads", 1},
                  {"optimizer", QJsonObject{{"type", "sgd"}, {"lr", 0.1}}},
                  {"eval", QJsonObject{{"every_epoch", false}}}};
  // lr 0.0001 barely learns, so its loss stays above the median and its 200 steps (3 ms each)
  // leave the cancel time to arrive. (The lr 10 diverges at step 6, 15 ms after the
  // rule's stop: a race with the engine's own failure.) Where bf16 trials fail at once (this
  // CPU), lr 0.0001 may start while only one other trial has finished: one is enough here.
  job["sweep"] = QJsonObject{
      {"concurrency", 2},
      {"early_stop", QJsonObject{{"rule", "median"}, {"grace_steps", 2}, {"min_trials", 1}}},
      {"parameters", QJsonObject{{"optimizer.lr", QJsonArray{0.01, 0.1, 0.0001}},
                                 {"precision", QJsonArray{"fp32", "bf16"}}}}};
  m_window->jobForm()->setJob(job);
  QCOMPARE(m_window->jobForm()->job(), job);  // the form keeps the sweep block as it is
  QTRY_VERIFY_WITH_TIMEOUT(
      runEnabled(), twb::test::timeScaled(30000));  // the block and the first trial check out
  QTest::mouseClick(field<QPushButton>("run"), Qt::LeftButton);
  const QPersistentModelIndex projectRow = m_window->projectIndex(project);
  const auto ended = [&] {
    if (runCount(projectRow) != 6) return false;
    for (const app::Run& run : m_store->runs(project))
      if (isUnderWay(run.state)) return false;
    return !m_window->findChild<app::SweepController*>()->isRunning();
  };
  const auto states = [&] {
    QStringList said{m_window->findChild<app::SweepController*>()->isRunning() ? "running"
                                                                               : "ended"};
    for (const app::Run& run : m_store->runs(project))
      said << run.name + ": " + twb::app::jobStateName(run.state) + " " + run.reason;
    return said.join('\n');
  };
  QElapsedTimer waited;  // not QTRY: it waits twice as long again before it reports
  waited.start();
  while (!ended() && waited.elapsed() < 200000) QTest::qWait(200);
  QVERIFY2(ended(), qPrintable(states()));

  const bool bf16 = bf16Unavailable().empty();
  for (const app::Run& run : m_store->runs(project)) {
    const double lr = app::jobField(run, "optimizer.lr").toDouble();
    QVERIFY2(run.tags.contains("sweep:lr-sweep"), qPrintable(run.name));
    if (run.precision == "bf16" && !bf16) {
      QCOMPARE(run.state, twb::app::RunState::Failed);
    } else if (lr == 0.0001) {
      QCOMPARE(run.state, twb::app::RunState::Cancelled);
      QVERIFY2(run.tags.contains("stopped-early") && run.notes.contains("median rule"),
               qPrintable(run.notes));
    } else if (lr == 0.1) {
      QCOMPARE(run.state, twb::app::RunState::Succeeded);
    } else {  // lr 0.01: finished, or stopped by the rule once lr 0.1 had finished
      QVERIFY2(run.state == twb::app::RunState::Succeeded || run.tags.contains("stopped-early"),
               qPrintable(twb::app::jobStateName(run.state)));
    }
  }
  // The browser finds the stopped trials by their tag.
  auto* filter = field<QLineEdit>("runFilter");
  filter->setText("stopped-early");
  int stopped = 0;
  for (const app::Run& run : m_store->runs(project)) stopped += run.tags.contains("stopped-early");
  QVERIFY(stopped >= 1 && stopped < 6);
  QCOMPARE(runCount(projectRow), stopped);  // the others are filtered out; the project stays
  filter->clear();
  QCOMPARE(runCount(projectRow), 6);

  // The table: a column per swept field; sorted by accuracy, numerically; the best marked.
  m_window->tabs()->setCurrentWidget(m_window->comparePanel());
  ui::ComparePanel* compare = m_window->comparePanel();
  QSignalSpy refreshed(compare, &ui::ComparePanel::refreshed);
  compare->refresh();
  QVERIFY(refreshed.wait());
  QTableWidget* table = compare->table();
  QStringList headers;
  for (int c = 0; c < table->columnCount(); ++c) headers << table->horizontalHeaderItem(c)->text();
  QVERIFY2(headers.contains("optimizer.lr") && headers.contains("precision"),
           qPrintable(headers.join(" | ")));
  const int accuracyColumn = static_cast<int>(headers.indexOf("Test accuracy"));
  table->sortItems(accuracyColumn, Qt::DescendingOrder);
  QList<double> accuracies;
  QList<int> rows;  // with an accuracy (those without come first when descending)
  for (int r = 0; r < table->rowCount(); ++r)
    if (const QString text = table->item(r, accuracyColumn)->text(); !text.isEmpty())
      accuracies << text.chopped(2).toDouble(), rows << r;
  // lr 0.1 at least; lr 0.01 too unless the rule stopped it (trials reach the node in any
  // order, and once lr 0.1 has finished, lr 0.01's loss is above its average).
  QVERIFY(!accuracies.isEmpty());
  QVERIFY(std::is_sorted(accuracies.rbegin(), accuracies.rend()));
  QTableWidgetItem* best = table->item(rows[0], 0);
  QVERIFY(best->font().bold() && !best->icon().isNull());
  for (int r = 0; r < table->rowCount(); ++r)
    if (r != rows[0])
      QVERIFY(!table->item(r, 0)->font().bold() && table->item(r, 0)->icon().isNull());
  // The CSV holds the store's numbers.
  const QString csv = m_dir.filePath("sweep.csv");
  QVERIFY(compare->exportCsv(csv));
  QFile file(csv);
  QVERIFY(file.open(QIODevice::ReadOnly));
  const QStringList lines = QString::fromUtf8(file.readAll()).split('\n', Qt::SkipEmptyParts);
  QCOMPARE(lines.size(), 7);
  for (const QString& line : lines.mid(1)) {
    const QStringList f = csvFields(line);  // trial names hold commas: quoted
    const QString accuracy = f.value(accuracyColumn);
    if (accuracy.isEmpty()) continue;
    bool found = false;
    for (const app::Run& run : m_store->runs(project))
      found = found || (run.name == f[0] &&
                        accuracy.toDouble() == run.summary.value("test_accuracy").toDouble() * 100);
    QVERIFY2(found, qPrintable(line));
  }
  // Parallel coordinates: a line per trial, the best first.
  const QStringList drawn = compare->coordinates()->drawnByResult();
  QCOMPARE(drawn.size(), 6);
  QCOMPARE(drawn.front(), best->text());
  QStringList lrLabels;  // the first axis: each of the sweep's three values labelled
  QCustomPlot* coordinates = compare->coordinates()->plot();
  for (int i = 0; i < coordinates->itemCount(); ++i)
    if (auto* label = qobject_cast<QCPItemText*>(coordinates->item(i));
        label && label->position->coords().x() == 0)
      lrLabels << label->text();
  lrLabels.sort();
  QCOMPARE(lrLabels, QStringList({"0.0001", "0.01", "0.1 (log)"}));
  compare->findChild<QTabWidget*>("compareCharts")->setCurrentWidget(compare->coordinates());
  screenshot("compare-sweep");
  {  // in Chinese too
    ChineseWindow zh(*m_controller);
    QVERIFY(zh.window && QTest::qWaitForWindowExposed(zh.window.get()));
    ui::MainWindow& chinese = *zh.window;
    chinese.tabs()->setCurrentWidget(chinese.comparePanel());
    chinese.comparePanel()->findChild<QTabWidget*>("compareCharts")->setCurrentIndex(1);
    QTest::qWait(50);
    QVERIFY(chinese.grab().save(TWB_BINARY_DIR "/screenshots/compare-sweep-zh.png"));
  }
  compare->findChild<QTabWidget*>("compareCharts")->setCurrentIndex(0);
}

// Run > Cancel sweep: the running trial is cancelled on its node and no other starts.
void WorkbenchGuiTest::aSweepCanBeCancelled() {
  const OwnProject own(*m_window, *m_controller, "Cancelled sweep");
  QJsonObject job{{"name", "long-sweep"},
                  {"model", QJsonObject{{"template", "mlp"}}},
                  {"max_steps", 100000},
                  {"threads", 1},
                  {"eval", QJsonObject{{"every_epoch", false}}}};
  job["sweep"] = QJsonObject{{"parameters", QJsonObject{{"seed", QJsonArray{1, 2, 3}}}}};
  m_window->jobForm()->setJob(job);
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QTest::mouseClick(field<QPushButton>("run"), Qt::LeftButton);
  const QPersistentModelIndex projectRow = m_window->projectIndex(own.id);
  QTRY_COMPARE_WITH_TIMEOUT(runCount(projectRow), 1, twb::test::timeScaled(10000));
  const qint64 runId = runIdOf(browser()->index(0, 0, projectRow));
  QTRY_COMPARE_WITH_TIMEOUT(m_store->run(runId).state, twb::app::RunState::Running,
                            twb::test::timeScaled(30000));
  auto* sweeps = m_window->findChild<app::SweepController*>();
  QVERIFY(sweeps->isRunning());
  m_window->findChild<QAction*>("cancelSweep")->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(!sweeps->isRunning(), twb::test::timeScaled(30000));
  QCOMPARE(m_store->run(runId).state, twb::app::RunState::Cancelled);
  QTest::qWait(500);
  QCOMPARE(runCount(projectRow), 1);  // the other two trials never started
}

// A sweep is checked value by value as it is typed: a learning rate the node refuses, tried only
// by trials 5 and 6 of a 3 x 2 grid, is named with its trial at its place in the sweep block, and
// Run waits; with the value mended, Run is there again.
void WorkbenchGuiTest::aSweepIsCheckedValueByValueAsItIsTyped() {
  m_window->tabs()->setCurrentIndex(0);
  ui::JobForm* form = m_window->jobForm();
  const auto restore = qScopeGuard([form, shown = form->job()] { form->setJob(shown); });
  QJsonObject job{{"name", "typo-sweep"},
                  {"model", QJsonObject{{"template", "mlp"}}},
                  {"max_steps", 20},
                  {"optimizer", QJsonObject{{"type", "sgd"}, {"lr", 0.1}}}};
  job["sweep"] =
      QJsonObject{{"parameters", QJsonObject{{"optimizer.lr", QJsonArray{0.01, 0.1, -1}},
                                             {"precision", QJsonArray{"fp32", "bf16"}}}}};
  QPlainTextEdit* text = form->advancedEditor()->text();
  const QString typed = QString::fromUtf8(QJsonDocument(job).toJson());
  text->setPlainText(typed);
  QLabel* problem = form->advancedEditor()->problem();
  QTRY_VERIFY_WITH_TIMEOUT(problem->isVisible(), twb::test::timeScaled(60000));
  const QString said = problem->text();
  QVERIFY2(said.contains("sweep.parameters.optimizer.lr[2]: trial 5 of 6 (optimizer.lr=-1, "
                         "precision=fp32): optimizer.lr: "),
           qPrintable(said));
  // Marked where -1 is written: the third value of the list.
  const int line = typed.left(typed.indexOf("-1")).count('\n') + 1;
  const int named = typed.left(typed.indexOf("\"optimizer.lr\": [")).count('\n') + 1;
  QVERIFY2(said.endsWith(QString("(line %1)").arg(line)) && line > named, qPrintable(said));
  QVERIFY(field<QLabel>("generalError")->text().contains("trial 5 of 6"));
  QVERIFY(!runEnabled());
  QCOMPARE(text->toPlainText(), typed);  // kept as typed
  screenshot("job-sweep-trial-refused");

  QString mended = typed;
  mended.replace("-1", "0.001");
  QSignalSpy progress(m_controller.get(), &app::WorkbenchController::validationProgress);
  text->setPlainText(mended);
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(60000));
  QVERIFY(!problem->isVisible());
  // Each of the six trials checked, as the Job tab said while it went, and says now.
  QVERIFY(progress.size() >= 7);
  for (int done = 0; done <= 6; ++done) {
    const QList<QVariant> step = progress.at(progress.size() - 7 + done);
    QCOMPARE(step.at(1).toInt(), done);
    QCOMPARE(step.at(2).toInt(), 6);
  }
  const QString summary = field<QLabel>("summary")->text();
  QVERIFY2(
      summary.startsWith("6 trials, all checked · first trial: ") && summary.contains("parameters"),
      qPrintable(summary));
  screenshot("job-sweep-checked");

  // Edited again while its trials are checked: the stale check stops at its next trial.
  QSignalSpy answers(m_controller.get(), &app::WorkbenchController::validated);
  progress.clear();
  const QJsonObject sweep = QJsonDocument::fromJson(mended.toUtf8()).object();
  m_controller->validate(sweep, 1000001);
  m_controller->validate(sweep, 1000002);
  auto answered = [&](int ticket) {
    for (const QList<QVariant>& a : answers)
      if (a.at(0).toInt() == ticket) return true;
    return false;
  };
  QTRY_VERIFY_WITH_TIMEOUT(answered(1000001) && answered(1000002), twb::test::timeScaled(60000));
  int staleChecked = 0, freshChecked = 0;  // the most trials each said it had checked
  for (const QList<QVariant>& step : progress) {
    int& most = step.at(0).toInt() == 1000001 ? staleChecked : freshChecked;
    most = std::max(most, step.at(1).toInt());
  }
  QVERIFY2(staleChecked <= 1 && freshChecked == 6,
           qPrintable(QString("stale %1, fresh %2").arg(staleChecked).arg(freshChecked)));

  // A node the workbench does not know, among the sweep's own: said at the sweep's nodes.
  QJsonObject spread = QJsonDocument::fromJson(mended.toUtf8()).object();
  QJsonObject block = spread["sweep"].toObject();
  block["nodes"] = QJsonArray{"local", "ghost"};
  spread["sweep"] = block;
  text->setPlainText(QString::fromUtf8(QJsonDocument(spread).toJson()));
  QTRY_VERIFY_WITH_TIMEOUT(problem->isVisible(), twb::test::timeScaled(60000));
  QVERIFY2(problem->text().startsWith("sweep.nodes: ") && problem->text().contains("'ghost'"),
           qPrintable(problem->text()));
  QVERIFY(!runEnabled());

  // A combination that fails only together, in the one trial that tries no value of its own:
  // a small grid is checked trial by trial.
  QJsonObject together = QJsonDocument::fromJson(mended.toUtf8()).object();
  together["parallel"] = QJsonObject{{"strategy", "data"}, {"global_batch", true}};
  together["sweep"] =
      QJsonObject{{"parameters", QJsonObject{{"batch", QJsonArray{66, 64}},
                                             {"parallel.ranks_per_node", QJsonArray{2, 3}}}}};
  text->setPlainText(QString::fromUtf8(QJsonDocument(together).toJson()));
  QTRY_VERIFY_WITH_TIMEOUT(problem->text().contains("trial"), twb::test::timeScaled(60000));
  QVERIFY2(problem->text().contains("trial 4 of 4 (batch=64, parallel.ranks_per_node=3): "
                                    "parallel.global_batch: batch 64 does not split evenly among "
                                    "3 ranks"),
           qPrintable(problem->text()));
  QVERIFY(!runEnabled());
}

// Measure scaling from the Job tab: the job on 1 and 2 ranks of one thread each (the job asked for
// every core; this node has 2), one run after the other, in a project of its own named for it;
// Compare says where each ran and the two-rank run's scaling against the one-rank run, worked
// out here from the runs' own stored throughputs, in the order the runs ran (each project keeps
// its own sort order).
void WorkbenchGuiTest::measureScalingRunsOneRankThenTwo() {
  const qint64 previous = m_controller->projectId();
  const QJsonObject before = m_window->jobForm()->job();
  const auto restore = qScopeGuard([&] {  // also after a failed check
    m_window->showProject(previous);
    m_window->jobForm()->setJob(before);
  });
  m_window->tabs()->setCurrentIndex(0);
  QJsonObject job{{"name", "mlp-study"},
                  {"model", QJsonObject{{"template", "mlp"}}},
                  {"max_steps", 150},
                  {"threads", 0},
                  {"eval", QJsonObject{{"every_epoch", false}}}};
  m_window->jobForm()->setJob(job);
  QTableWidget* table = m_window->comparePanel()->table();
  const int accuracy = columnOf(table, "Test accuracy");
  table->sortItems(accuracy, Qt::DescendingOrder);  // in the project before
  auto* measure = field<QPushButton>("measureScaling");
  QTRY_VERIFY_WITH_TIMEOUT(measure->isEnabled(), twb::test::timeScaled(30000));
  QTest::mouseClick(measure, Qt::LeftButton);
  auto* sweeps = m_window->findChild<app::SweepController*>();
  QVERIFY(sweeps->isRunning());
  const qint64 project = m_controller->projectId();
  QVERIFY(project != previous);
  QCOMPARE(m_window->projectIndex(project).data().toString(), QString("mlp-study scaling"));
  QCOMPARE(m_window->jobForm()->job(), job);  // the Job tab keeps what the user set
  QTRY_VERIFY_WITH_TIMEOUT(!sweeps->isRunning(), twb::test::timeScaled(120000));
  const QList<app::Run> runs = m_store->runs(project);
  QCOMPARE(runs.size(), 2);
  for (int i = 0; i < 2; ++i) {
    QCOMPARE(runs[i].state, twb::app::RunState::Succeeded);
    QCOMPARE(app::jobField(runs[i], "parallel.ranks_per_node").toInt(), i + 1);
    QCOMPARE(app::jobField(runs[i], "threads").toInt(), 1);
    QTRY_VERIFY(m_store->run(runs[i].id).summary.contains("samples_per_s"));
  }
  // The one-rank run is the baseline: no scaling of its own.
  QVERIFY(comparedScaling(runs, {"CPU", "CPU · 2 ranks"}, {1, 2}));
  // A new project's table is not sorted by what another one was: its runs in the order they ran.
  QCOMPARE(table->horizontalHeader()->sortIndicatorSection(), -1);
  QCOMPARE(table->item(0, 0)->data(Qt::UserRole).toLongLong(), runs[0].id);
  // An earlier test's Chinese window answered the local node's check into this window's node
  // list too (one controller, one translator for the process): asked again, in English.
  m_controller->checkLocalNode();
  QTRY_COMPARE(m_window->nodeList()->topLevelItem(0)->text(0), QString("local"));
  screenshot("compare-scaling-study");
  m_window->showProject(previous);  // ... and the project before comes back sorted as it was
  QCOMPARE(table->horizontalHeader()->sortIndicatorSection(), accuracy);
  QCOMPARE(table->horizontalHeader()->sortIndicatorOrder(), Qt::DescendingOrder);
}
