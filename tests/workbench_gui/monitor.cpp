#include "workbench_gui_test.h"

void WorkbenchGuiTest::comparePrecisionsStreamsLivePointsForBothRuns() {
  field<QSpinBox>("maxSteps")->setValue(200);
  field<QSpinBox>("logEvery")->setValue(5);
  field<QSpinBox>("evalEvery")->setValue(50);
  QTRY_VERIFY_WITH_TIMEOUT(field<QPushButton>("comparePrecisions")->isEnabled(),
                           twb::test::timeScaled(30000));
  QTest::mouseClick(field<QPushButton>("comparePrecisions"), Qt::LeftButton);
  QCOMPARE(browser()->rowCount(), 1);  // the default project
  // fp32 and bf16, or fp32 alone on a CPU that cannot run bf16 (the status bar says why).
  QCOMPARE(runCount(), trainedRuns());
  const qint64 fp32 = runIdOf(runRow(0));
  if (trainedRuns() == 1) {
    const QString notice = m_window->statusBar()->currentMessage();
    QVERIFY2(notice.contains("cannot train in bf16") && notice.contains("AVX-512"),
             qPrintable(notice));
  } else {
    QCOMPARE(text(runRow(1), 2), QString("bf16"));
  }
  // Live: points appear while the runs are still going.
  QTRY_VERIFY_WITH_TIMEOUT(m_window->monitor()->pointCount(fp32) > 0, twb::test::timeScaled(60000));
  for (int i = 0; i < trainedRuns(); ++i) {
    QTRY_COMPARE_WITH_TIMEOUT(text(runRow(i), 1), QString("succeeded"),
                              twb::test::timeScaled(180000));
    QCOMPARE(m_window->monitor()->pointCount(runIdOf(runRow(i))), 40);
  }
  // The fp32 model is then quantized: an int8 run, its stages shown in the browser as they go.
  QStringList states;
  const QMetaObject::Connection watching =
      connect(browser(), &QAbstractItemModel::dataChanged, this,
              [&](const QModelIndex& from, const QModelIndex& to) {
                for (int row = from.row(); row <= to.row(); ++row)
                  states << text(from.siblingAtRow(row), 1);
              });
  const int int8 = trainedRuns();
  QTRY_VERIFY_WITH_TIMEOUT(runCount() == int8 + 1, twb::test::timeScaled(30000));
  QCOMPARE(text(runRow(int8), 2), QString("int8"));
  QTRY_VERIFY_WITH_TIMEOUT(text(runRow(int8), 1) == "succeeded", twb::test::timeScaled(180000));
  disconnect(watching);
  QVERIFY2(!states.filter(QRegularExpression("^calibrating \\d+ %$")).isEmpty() &&
               !states.filter(QRegularExpression("^evaluating \\d+ %$")).isEmpty(),
           qPrintable(states.join(", ")));
  QTRY_VERIFY_WITH_TIMEOUT(text(runRow(int8), 4).endsWith("%"), twb::test::timeScaled(30000));
  // The int8 run draws no curves, but the Monitor's log has its end as the training runs' ends.
  const QString log = field<QPlainTextEdit>("log")->toPlainText();
  QVERIFY2(log.contains(QString("run %1: succeeded").arg(runIdOf(runRow(int8)))), qPrintable(log));
  QVERIFY(text(runRow(0), 4).endsWith("%"));  // final test accuracy
  QTest::qWait(100);                          // one redraw
  screenshot("monitor");
  // Opened again (a window of its own on the same store), the log has every line it had live,
  // the int8 run's end too (run by run: live, runs side by side interleave theirs).
  {
    ui::MainWindow reopened(*m_controller);
    reopened.show();
    const auto* replayed = reopened.monitor()->findChild<QPlainTextEdit*>("log");
    const auto sortedLines = [](const QString& text) {
      QStringList lines = text.split('\n');
      lines.sort();
      return lines;
    };
    QTRY_COMPARE_WITH_TIMEOUT(sortedLines(replayed->toPlainText()),
                              sortedLines(field<QPlainTextEdit>("log")->toPlainText()),
                              twb::test::timeScaled(30000));
  }
  // Everything the node sent is in the store.
  m_store->flush();
  QCOMPARE(m_store->metric(fp32, "train/loss").size(), 40);
  QCOMPARE(m_store->run(runIdOf(runRow(trainedRuns() - 1))).state, twb::app::RunState::Succeeded);
}

void WorkbenchGuiTest::monitorSwitchesAxesAndSavesCharts() {
  ui::MonitorPanel* monitor = m_window->monitor();
  m_window->tabs()->setCurrentWidget(monitor);
  monitor->setXAxis(ui::MonitorPanel::XAxis::epoch);
  QTest::qWait(100);  // one redraw
  const double lastEpoch = monitor->lossPlot()->xAxis->range().upper;
  QVERIFY2(lastEpoch > 0.4 && lastEpoch < 0.45,
           qPrintable(QString::number(lastEpoch)));  // 200 / 468
  QCOMPARE(monitor->lossPlot()->xAxis->label(), QString("epoch"));
  screenshot("monitor-epoch");
  monitor->setXAxis(ui::MonitorPanel::XAxis::step);
  QTest::qWait(100);
  QCOMPARE(monitor->lossPlot()->xAxis->range().upper, 200.0);
  for (const char* suffix : {"png", "svg", "pdf"}) {
    const QString path = m_dir.filePath(QString("loss.") + suffix);
    QVERIFY(ui::saveChart(monitor->lossPlot(), path));
    QVERIFY(QFileInfo(path).size() > 1000);
  }
  QFile svg(m_dir.filePath("loss.svg"));
  QVERIFY(svg.open(QIODevice::ReadOnly));
  QVERIFY(svg.readAll().contains("<svg"));
  QVERIFY(!ui::saveChart(monitor->lossPlot(), m_dir.filePath("loss.bmpx")));

  // The crosshair's readout: the x value and both runs' smoothed loss at step 100.
  const QString readout = monitor->readout(monitor->lossPlot(), 100);
  QVERIFY2(readout.startsWith("step 100\nfmnist-mlp · fp32: ") &&
               readout.contains("fmnist-mlp · bf16: ") == (trainedRuns() == 2),
           qPrintable(readout));

  // A dark palette reaches the charts.
  QPalette dark = monitor->palette();
  dark.setColor(QPalette::Base, QColor(30, 30, 30));
  dark.setColor(QPalette::Text, QColor(220, 220, 220));
  monitor->setPalette(dark);
  QTest::qWait(100);
  QCOMPARE(monitor->lossPlot()->toPixmap().toImage().pixelColor(3, 3), QColor(30, 30, 30));
  QCOMPARE(monitor->lossPlot()->xAxis->tickLabelColor(), QColor(220, 220, 220));
  screenshot("monitor-dark");
  monitor->setPalette(QPalette());
}

// A live curve gets room to grow: while its points fit, the axes stay and only its layer is
// painted again (the other runs' curves stay in theirs); a point outside moves the axes.
void WorkbenchGuiTest::liveCurvesGrowWithoutMovingTheAxes() {
  ui::MonitorPanel monitor;
  QVERIFY(shown(monitor));
  monitor.addRun(1, "finished");
  monitor.loadLossCurve(1, {1, 50, 100}, {2.0, 1.0, 0.8});
  monitor.addRun(2, "live");
  const auto step = [&monitor](int s) {
    monitor.addEvent(2, "step",
                     QJsonDocument(QJsonObject{{"step", s}, {"loss", 1.5 - 0.001 * s}}).toJson());
  };
  step(1);  // one point draws no line: a dot, until the second point
  QCustomPlot* loss = monitor.lossPlot();
  const auto liveCurve = [loss] {
    for (int i = 0; i < loss->graphCount(); ++i)
      if (loss->graph(i)->name() == "live") return loss->graph(i);
    return static_cast<QCPGraph*>(nullptr);
  };
  QCOMPARE(liveCurve()->scatterStyle().shape(), QCPScatterStyle::ssDisc);
  for (int s = 2; s <= 100; ++s) step(s);
  QCOMPARE(liveCurve()->scatterStyle().shape(), QCPScatterStyle::ssNone);
  QTest::qWait(150);
  const auto layerOf = [loss](const QString& name) {
    for (int i = 0; i < loss->graphCount(); ++i)
      if (loss->graph(i)->name() == name) return loss->graph(i)->layer()->name();
    return QString();
  };
  step(101);  // beyond the exact fit of the first redraw: the axes move, with room to grow
  QTest::qWait(150);
  const QCPRange grown = loss->xAxis->range();
  QVERIFY2(grown.upper >= 101 + 0.2 * 100 && grown.upper <= 101 + 0.3 * 100,
           qPrintable(QString::number(grown.upper)));
  QCOMPARE(layerOf("live"), QString("live"));
  QCOMPARE(layerOf("finished"), QString("main"));
  for (int s = 102; s <= 120; ++s) step(s);  // inside that room
  QTest::qWait(150);
  QCOMPARE(loss->xAxis->range(), grown);
  QVERIFY(!monitor.keepsUserView(loss));     // followed the data; not the user's view
  for (int s = 121; s <= 200; ++s) step(s);  // past it
  QTest::qWait(150);
  QVERIFY2(loss->xAxis->range().upper >= 200,
           qPrintable(QString::number(loss->xAxis->range().upper)));
  QVERIFY(loss->yAxis->range().contains(1.5 - 0.001 * 200) && loss->yAxis->range().contains(2.0));
  QVERIFY(loss->xAxis->range().upper > 200);  // the room kept for live points
  monitor.addEvent(2, "state", QJsonDocument(QJsonObject{{"state", "succeeded"}}).toJson());
  QTest::qWait(150);
  QCOMPARE(loss->xAxis->range().upper, 200.0);  // ended: fitted to its data
  step(201);  // a run that goes on after all (resumed): room again
  QTest::qWait(150);
  QVERIFY(loss->xAxis->range().upper > 201);
  monitor.resetView();  // exactly the data again
  QTest::qWait(150);
  QCOMPARE(loss->xAxis->range().upper, 201.0);
  // The run's log lines, a warning marked as one.
  const auto log = [&](const char* level, const char* message) {
    monitor.addEvent(2, "log",
                     QJsonDocument(QJsonObject{{"level", level}, {"message", message}}).toJson());
    const QStringList lines = monitor.findChild<QPlainTextEdit*>("log")->toPlainText().split('\n');
    return lines.back();
  };
  QCOMPARE(log("info", "checkpoint c.twbc"), QString("run 2: checkpoint c.twbc"));
  QCOMPARE(log("warning", "threads: 3 threads share the 2 cores"),
           QString("run 2: warning: threads: 3 threads share the 2 cores"));
}

// A run on a GPU reports its GPU's utilization and memory in step events (the engine reads
// them from NVML, which this machine lacks: the events here are written as the engine writes
// them); the Monitor's GPU tab draws both per run, memory as a share of the GPU's.
void WorkbenchGuiTest::aGpuRunShowsItsUtilizationAndMemory() {
  ui::MonitorPanel monitor;
  QVERIFY(shown(monitor));
  monitor.addRun(1, "cnn-small on cuda:0");
  monitor.addRun(2, "cnn-small on the CPU");
  const double total = 150.0 * (1 << 30);
  for (int s = 10; s <= 300; s += 10) {
    QJsonObject gpu{{"step", s},
                    {"loss", 2.0 / (1 + 0.05 * s)},
                    {"gpu_utilization", s < 40 ? 35.0 : 92.0},
                    {"gpu_memory_used", (12.0 + 0.01 * s) * (1 << 30)},
                    {"gpu_memory_total", total}};
    monitor.addEvent(1, "step", QJsonDocument(gpu).toJson());
    monitor.addEvent(
        2, "step",
        QJsonDocument(QJsonObject{{"step", s}, {"loss", 2.1 / (1 + 0.05 * s)}}).toJson());
  }
  auto* gpuPlot = monitor.findChild<QCustomPlot*>("gpuPlot");
  QVERIFY(gpuPlot);
  QCOMPARE(drawnSeries(gpuPlot),
           (QStringList{"cnn-small on cuda:0 · utilization", "cnn-small on cuda:0 · memory"}));
  QCPGraph* memory = nullptr;
  for (int g = 0; g < gpuPlot->graphCount(); ++g)
    if (gpuPlot->graph(g)->name().endsWith("memory")) memory = gpuPlot->graph(g);
  // Raw points sit on a faint unnamed graph; the named one is smoothed, so check its range.
  bool found = false;
  const QCPRange shares = memory->data()->valueRange(found);
  QVERIFY(found && shares.lower >= 100 * 12.1 / 150 - 0.5 &&
          shares.upper <= 100 * 15.0 / 150 + 0.01);
  monitor.findChild<QTabWidget*>()->setCurrentWidget(gpuPlot);
  QTRY_VERIFY(fittedToData(gpuPlot));
  const QString path = QString(TWB_BINARY_DIR "/screenshots/monitor-gpu.png");
  QDir().mkpath(TWB_BINARY_DIR "/screenshots");
  QVERIFY(monitor.grab().save(path));
}

// Data-parallel runs side by side, with and without compression: the Network tab draws the MiB
// each sends a step, from step events that count the bytes since the one before (10 steps
// apart, the first after the weights' broadcast of 8 MiB).
void WorkbenchGuiTest::theNetworkTabShowsWhatCompressionSaves() {
  ui::MonitorPanel monitor;
  QVERIFY(shown(monitor));
  monitor.addRun(1, "resnet18 · f32 on the wire");
  monitor.addRun(2, "resnet18 · bf16 on the wire");
  const double gradientBytes = 44.7 * (1 << 20);
  for (int s = 10; s <= 200; s += 10)
    for (int run : {1, 2}) {
      const double perStep = run == 1 ? gradientBytes : gradientBytes / 2;
      const double bytes = 10 * perStep + (s == 10 ? 8.0 * (1 << 20) : 0);
      monitor.addEvent(
          run, "step",
          QJsonDocument(
              QJsonObject{{"step", s}, {"loss", 2.0 / (1 + 0.02 * s)}, {"bytes_sent", bytes}})
              .toJson());
    }
  auto* network = monitor.findChild<QCustomPlot*>("networkPlot");
  QVERIFY(network);
  QCOMPARE(drawnSeries(network),
           (QStringList{"resnet18 · f32 on the wire", "resnet18 · bf16 on the wire"}));
  // The raw points (the faint graphs): 44.7 and 22.35 MiB a step, the first step's 0.8 more.
  QSet<double> perStep[2];
  for (int g = 0; g < network->graphCount(); ++g) {
    QCPGraph* graph = network->graph(g);
    if (!graph->name().isEmpty()) continue;
    for (auto point = graph->data()->constBegin(); point != graph->data()->constEnd(); ++point)
      perStep[point->value < 30 ? 1 : 0] << std::round(point->value * 100) / 100;
  }
  QCOMPARE(perStep[0], (QSet<double>{45.5, 44.7}));
  QCOMPARE(perStep[1], (QSet<double>{23.15, 22.35}));
  monitor.findChild<QTabWidget*>()->setCurrentWidget(network);
  QTRY_VERIFY(fittedToData(network));
  QCOMPARE(network->yAxis->range().lower, 0.0);  // half the bytes, half the height
  const QString path = QString(TWB_BINARY_DIR "/screenshots/monitor-network.png");
  QDir().mkpath(TWB_BINARY_DIR "/screenshots");
  QVERIFY(monitor.grab().save(path));
}

// A zoom survives live updates until a double-click; loss and learning rate on a log scale.
void WorkbenchGuiTest::monitorKeepsAZoomThroughLiveUpdates() {
  ui::MonitorPanel monitor;
  QVERIFY(shown(monitor));
  monitor.addRun(1, "live");
  const auto step = [&monitor](int s) {
    const QJsonObject event{{"step", s},
                            {"epoch", s / 468.0},
                            {"time", 1000.0 + s},
                            {"loss", 2.0 / (1 + 0.05 * s)},
                            {"lr", 0.05 / (1 + 0.01 * s)},
                            {"accuracy", 0.9 - 0.6 / (1 + 0.05 * s)}};
    monitor.addEvent(1, "step", QJsonDocument(event).toJson());
  };
  for (int s = 1; s <= 100; ++s) step(s);
  QTest::qWait(100);  // one redraw
  QCustomPlot* loss = monitor.lossPlot();
  QCOMPARE(loss->xAxis->range().upper, 100.0);
  const QPointF centre = loss->rect().center();
  QWheelEvent wheel(centre, loss->mapToGlobal(centre), {}, {0, 240}, Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
  QCoreApplication::sendEvent(loss, &wheel);
  const QCPRange zoomed = loss->xAxis->range();
  QVERIFY2(zoomed.size() < 90, qPrintable(QString::number(zoomed.size())));
  QVERIFY(monitor.keepsUserView(loss));
  for (int s = 101; s <= 200; ++s) step(s);
  QTest::qWait(100);
  QCOMPARE(loss->xAxis->range(), zoomed);  // the live points did not undo the zoom
  QVERIFY(!monitor.keepsUserView(monitor.learningRatePlot()));
  // A chart in a tab not shown is drawn, fitted to the data, once it is shown.
  monitor.findChild<QTabWidget*>()->setCurrentWidget(monitor.learningRatePlot());
  QTest::qWait(100);
  QCOMPARE(monitor.learningRatePlot()->xAxis->range().upper, 200.0);
  monitor.findChild<QCheckBox*>("logScale")->setChecked(true);
  QCOMPARE(monitor.learningRatePlot()->yAxis->scaleType(), QCPAxis::stLogarithmic);
  QVERIFY(!monitor.keepsUserView(loss));  // a new scale starts from the data
  QWheelEvent again(centre, loss->mapToGlobal(centre), {}, {0, 240}, Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
  QCoreApplication::sendEvent(loss, &again);
  step(201);
  QTest::qWait(100);
  QVERIFY(monitor.keepsUserView(loss));
  QVERIFY(monitor.grab().save(QString(TWB_BINARY_DIR "/screenshots/monitor-zoomed.png")));
  QTest::mouseDClick(loss, Qt::LeftButton, {}, centre.toPoint());
  QTest::qWait(100);
  QVERIFY(!monitor.keepsUserView(loss));
  QCOMPARE(loss->xAxis->range().upper, 201.0);
  QCOMPARE(loss->yAxis->scaleType(), QCPAxis::stLogarithmic);
}

void WorkbenchGuiTest::smoothingIsDebiased() {
  // A constant curve stays constant under debiased smoothing (a biased EMA would start at 0).
  const QVector<double> smoothed = ui::smoothCurve({2, 2, 2, 2}, 0.9);
  for (double v : smoothed) QVERIFY(qAbs(v - 2) < 1e-12);
  const QVector<double> step = ui::smoothCurve({0, 10}, 0.5);
  QCOMPARE(step[1], 10.0 * 0.5 / 0.75);
}

void WorkbenchGuiTest::aRunShowsProgressAndCanBeCancelled() {
  const qint64 defaultProject = m_controller->projectId();
  const qint64 project = m_window->newProject("Long runs");
  field<QSpinBox>("maxSteps")->setValue(0);  // no step budget: 5 epochs
  field<QSpinBox>("epochs")->setValue(5);
  m_window->tabs()->setCurrentIndex(0);
  const QString jobFolder = m_controller->jobFolder();
  m_controller->setJobFolder(m_dir.path());  // as for a job file of that folder
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(30000));
  QTest::mouseClick(field<QPushButton>("run"), Qt::LeftButton);
  m_controller->setJobFolder(jobFolder);
  const QPersistentModelIndex projectRow = m_window->projectIndex(project);
  QTRY_COMPARE_WITH_TIMEOUT(runCount(projectRow), 1, twb::test::timeScaled(10000));
  const QPersistentModelIndex run = browser()->index(0, 0, projectRow);
  const QRegularExpression progress("^running \\d+ %$");
  QTRY_VERIFY_WITH_TIMEOUT(progress.match(text(run, 1)).hasMatch(), twb::test::timeScaled(60000));
  m_window->runsBrowser()->setCurrentIndex(run);
  m_window->cancelSelectedRun();
  QTRY_COMPARE_WITH_TIMEOUT(text(run, 1), QString("cancelled"),
                            twb::test::timeScaled(10000));  // at the next step
  const qint64 runId = runIdOf(run);
  QCOMPARE(m_store->run(runId).state, twb::app::RunState::Cancelled);
  QVERIFY(m_store->lastSeq(runId) > 0);
  QVERIFY(!m_controller->cancelRun(runId));  // nothing left to cancel
  // What it learned is kept: Export lists the stopped run once its node's files are known.
  QTRY_VERIFY_WITH_TIMEOUT(field<QComboBox>("exportRun")->findData(runId) >= 0,
                           twb::test::timeScaled(10000));
  QVERIFY(m_store->run(runId).summary.value("model_bytes").toDouble() > 0);
  auto* exportRun = field<QComboBox>("exportRun");
  QVERIFY2(exportRun->itemText(exportRun->findData(runId)).endsWith("(fp32, stopped early)"),
           qPrintable(exportRun->itemText(exportRun->findData(runId))));
  // Resumed from the checkpoint as a new run: it starts after the step the first one stopped at.
  const qint64 stoppedAt = QJsonDocument::fromJson(m_store->events(runId, "state").back())
                               .object()
                               .value("step")
                               .toInteger();
  QVERIFY2(stoppedAt > 0, m_store->events(runId, "state").back().constData());
  m_window->resumeSelectedRun();
  QTRY_COMPARE_WITH_TIMEOUT(runCount(projectRow), 2, twb::test::timeScaled(10000));
  const QPersistentModelIndex resumed = browser()->index(1, 0, projectRow);
  QCOMPARE(text(resumed, 0), text(run, 0) + " (resumed)");
  // Its job's relative paths were read where the first run's were: Clone job reads them there.
  QCOMPARE(m_store->run(runIdOf(resumed)).jobFolder, m_dir.path());
  QTRY_COMPARE_WITH_TIMEOUT(text(resumed, 1), QString("succeeded"), twb::test::timeScaled(120000));
  m_store->flush();
  const auto loss = m_store->metric(runIdOf(resumed), "train/loss");
  QVERIFY(!loss.isEmpty());
  QVERIFY2(loss.front().step > stoppedAt, qPrintable(QString::number(loss.front().step)));
  QCOMPARE(loss.back().step, 5.0 * 468);  // 5 epochs of 468 full batches of 128
  // Deleted: gone from the browser and from every table of the store.
  QVERIFY(m_window->deleteRun(runId));
  QCOMPARE(runCount(projectRow), 1);
  QVERIFY(!m_window->runIndex(runId).isValid());
  QCOMPARE(m_store->lastSeq(runId), qint64{0});
  QVERIFY(m_store->metric(runId, "train/loss").isEmpty());
  QVERIFY(m_store->artifacts(runId).isEmpty());
  QVERIFY_THROWS_EXCEPTION(app::StoreError, m_store->run(runId));
  QCOMPARE(m_store->integrityCheck(), QString("ok"));
  m_window->runsBrowser()->setCurrentIndex(m_window->projectIndex(defaultProject));
  field<QSpinBox>("epochs")->setValue(1);
}

// The store's "disk full" (tst_experiment_store makes a real one) reaches the status bar, and
// goes when writing works again.
void WorkbenchGuiTest::aStoreThatCannotWriteIsShown() {
  emit m_controller->storeWriteFailed(m_dir.filePath("experiments.db") +
                                      ": database or disk is full");
  QTRY_VERIFY(m_window->storeStatus()->isVisible());
  QVERIFY(m_window->storeStatus()->text().contains("database or disk is full"));
  screenshot("store-full");
  emit m_controller->storeWriteFailed({});
  QTRY_VERIFY(!m_window->storeStatus()->isVisible());
}

// A chart with nothing to draw says which runs draw there, at the chart's full width (an empty
// legend under it had squeezed it to its axis labels); once points come, the note goes and the
// legend sits under the chart, until the Monitor is cleared.
void WorkbenchGuiTest::emptyChartsSayWhichRunsDrawThere() {
  ui::MonitorPanel monitor;
  QVERIFY(shown(monitor));
  auto* ranks = monitor.findChild<QCustomPlot*>("ranksPlot");
  monitor.findChild<QTabWidget*>()->setCurrentWidget(ranks);
  const auto note = [ranks] { return shownNote(ranks); };
  const auto fullWidth = [ranks] { return ranks->axisRect()->width() > ranks->width() * 3 / 4; };
  monitor.addRun(1, "one worker");
  monitor.addEvent(1, "step", QJsonDocument(QJsonObject{{"step", 1}, {"loss", 1.0}}).toJson());
  QTest::qWait(300);  // a few redraw ticks
  QVERIFY2(fullWidth(), qPrintable(QString::number(ranks->axisRect()->width())));
  QVERIFY2(note().startsWith("No data-parallel run shown"), qPrintable(note()));
  QVERIFY(!ranks->legend->visible());
  QVERIFY(monitor.grab().save(QString(TWB_BINARY_DIR "/screenshots/monitor-no-ranks.png")));

  const QByteArray rankedStep =
      QJsonDocument(QJsonObject{{"step", 1},
                                {"loss", 1.0},
                                {"ranks", QJsonArray{QJsonObject{{"rank", 0}, {"step_ms", 10.0}},
                                                     QJsonObject{{"rank", 1}, {"step_ms", 12.0}}}}})
          .toJson();
  monitor.addRun(2, "two ranks");
  monitor.addEvent(2, "step", rankedStep);
  QTRY_VERIFY(note().isEmpty());
  QCOMPARE(ranks->legend->itemCount(), 2);
  QVERIFY(ranks->legend->visible() && ranks->legend->layout() == ranks->plotLayout());
  QVERIFY(fullWidth());
  monitor.clear();
  QVERIFY(note().startsWith("No data-parallel run shown") && !ranks->legend->visible() &&
          fullWidth());
  // Points that came while the chart's tab was closed are drawn as it opens, not a redraw tick
  // later with the empty chart's note in between.
  auto* tabs = monitor.findChild<QTabWidget*>();
  tabs->setCurrentIndex(0);
  monitor.addRun(2, "two ranks");
  monitor.addEvent(2, "step", rankedStep);
  QTest::qWait(200);  // redraw ticks: the hidden chart waits
  QVERIFY(note().startsWith("No data-parallel run shown"));
  tabs->setCurrentWidget(ranks);
  QVERIFY2(note().isEmpty(), qPrintable(note()));
  QVERIFY(ranks->legend->visible());
}
