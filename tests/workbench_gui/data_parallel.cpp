#include "workbench_gui_test.h"

// Data parallel on the local node: two ranks started from the Job tab; the Monitor shows each
// rank's step time and the communication backward did not hide.
void WorkbenchGuiTest::aDataParallelRunShowsItsRanks() {
  const OwnProject own(*m_window, *m_controller, "Data parallel");  // gives the Job tab back
  const qint64 project = own.id;
  auto* strategy = field<QComboBox>("strategy");
  QVERIFY(!field<QSpinBox>("ranksPerNode")->isEnabled());
  strategy->setCurrentIndex(strategy->findData("data"));
  QVERIFY(field<QSpinBox>("ranksPerNode")->isEnabled());
  QVERIFY(field<QSpinBox>("batch")->suffix().contains("per rank"));
  field<QSpinBox>("ranksPerNode")->setValue(2);
  // Synchronized BatchNorm is the job's only when asked for, and gone when unticked again.
  auto* syncBatchNorm = field<QCheckBox>("syncBatchNorm");
  QVERIFY(syncBatchNorm->isEnabled() && !syncBatchNorm->isChecked());
  syncBatchNorm->setChecked(true);
  QCOMPARE(m_window->jobForm()->job()["parallel"].toObject()["sync_batch_norm"], QJsonValue(true));
  syncBatchNorm->setChecked(false);
  QVERIFY(!m_window->jobForm()->job()["parallel"].toObject().contains("sync_batch_norm"));
  // Overlap with the next forward is the engine's default: shown ticked, written only when off.
  auto* overlapForward = field<QCheckBox>("overlapForward");
  QVERIFY(overlapForward->isEnabled() && overlapForward->isChecked());
  overlapForward->setChecked(false);
  QCOMPARE(m_window->jobForm()->job()["parallel"].toObject()["overlap_forward"], QJsonValue(false));
  overlapForward->setChecked(true);
  QVERIFY(!m_window->jobForm()->job()["parallel"].toObject().contains("overlap_forward"));
  // Hierarchical is the engine's "auto" unless chosen: a flag when chosen, gone when auto again.
  auto* hierarchical = field<QComboBox>("hierarchical");
  QCOMPARE(hierarchical->currentData().toString(), QString("auto"));
  hierarchical->setCurrentIndex(hierarchical->findData(false));
  QCOMPARE(m_window->jobForm()->job()["parallel"].toObject()["hierarchical"], QJsonValue(false));
  hierarchical->setCurrentIndex(hierarchical->findData("auto"));
  QVERIFY(!m_window->jobForm()->job()["parallel"].toObject().contains("hierarchical"));
  // Learning rate scaling: the engine's "none" unless chosen; kept aside while one worker is
  // chosen, and back with data parallel.
  auto* lrScaling = field<QComboBox>("lrScaling");
  QVERIFY(lrScaling->isEnabled());
  QCOMPARE(lrScaling->currentText(), QString("none"));
  lrScaling->setCurrentText("linear");
  QCOMPARE(m_window->jobForm()->job()["parallel"].toObject()["lr_scaling"], QJsonValue("linear"));
  strategy->setCurrentIndex(strategy->findData("single"));
  QVERIFY(!lrScaling->isEnabled());
  QVERIFY(!m_window->jobForm()->job().contains("parallel"));
  strategy->setCurrentIndex(strategy->findData("data"));
  QCOMPARE(m_window->jobForm()->job()["parallel"].toObject()["lr_scaling"], QJsonValue("linear"));
  lrScaling->setCurrentText("none");
  QVERIFY(!m_window->jobForm()->job()["parallel"].toObject().contains("lr_scaling"));
  // A global batch is split among the ranks, as the batch field says; a batch that does not
  // split is refused at the option by the node, and learning rate scaling has nothing to scale.
  auto* globalBatch = field<QCheckBox>("globalBatch");
  QVERIFY(globalBatch->isEnabled() && !globalBatch->isChecked());
  const int rowHeight = globalBatch->parentWidget()->height();
  globalBatch->setChecked(true);
  QCOMPARE(m_window->jobForm()->job()["parallel"].toObject()["global_batch"], QJsonValue(true));
  QCOMPARE(field<QSpinBox>("batch")->suffix(), QString(" split among the ranks"));
  QVERIFY(!lrScaling->isEnabled());
  auto* batch = field<QSpinBox>("batch");
  const int batchBefore = batch->value();
  field<QSpinBox>("ranksPerNode")->setValue(3);
  batch->setValue(64);
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("globalBatchError")->isVisible(),
                           twb::test::timeScaled(30000));
  QVERIFY2(field<QLabel>("globalBatchError")
               ->text()
               .contains("batch 64 does not split evenly among 3 ranks (63 or 66 would)"),
           qPrintable(field<QLabel>("globalBatchError")->text()));
  QVERIFY(!runEnabled());
  screenshot("job-global-batch-error");
  field<QSpinBox>("ranksPerNode")->setValue(2);
  batch->setValue(batchBefore);
  globalBatch->setChecked(false);
  QVERIFY(!m_window->jobForm()->job()["parallel"].toObject().contains("global_batch"));
  // The refusal gone, its row is as tall as before it once the layouts have run (it kept the
  // message's height until some later change laid the form out again).
  QVERIFY(!field<QLabel>("globalBatchError")->isVisible());
  QApplication::processEvents();
  QCOMPARE(globalBatch->parentWidget()->height(), rowHeight);
  QVERIFY(batch->suffix().contains("per rank"));
  QVERIFY(lrScaling->isEnabled());
  field<QComboBox>("compression")->setCurrentText("bf16");
  field<QSpinBox>("maxSteps")->setValue(60);
  field<QSpinBox>("threads")->setValue(1);
  QVERIFY(m_window->jobForm()->job()["profile"].toObject()["every_steps"].toInt() > 0);
  const QJsonObject parallel = m_window->jobForm()->job()["parallel"].toObject();
  QCOMPARE(parallel,
           (QJsonObject{{"strategy", "data"}, {"ranks_per_node", 2}, {"compression", "bf16"}}));
  screenshot("job-data-parallel");
  QPersistentModelIndex run;
  runToSuccess(project, run);
  if (!run.isValid()) return;
  const qint64 runId = runIdOf(run);
  const auto steps = m_store->events(runId, "step");
  QVERIFY(!steps.isEmpty());
  QCOMPARE(QJsonDocument::fromJson(steps.back()).object()["ranks"].toArray().size(), 2);
  m_window->runsBrowser()->setCurrentIndex(run);
  m_window->tabs()->setCurrentWidget(m_window->monitor());
  auto* ranks = m_window->monitor()->findChild<QCustomPlot*>("ranksPlot");
  const QStringList named = drawnSeries(ranks);
  QVERIFY2(named.size() == 2 && named[0].endsWith("rank 0") && named[1].endsWith("rank 1"),
           qPrintable(named.join(", ")));
  // What rank 0 sent a step (through shared memory here, so little on the network).
  QCOMPARE(drawnSeries(m_window->monitor()->findChild<QCustomPlot*>("networkPlot")).size(), 1);
  auto* lower = m_window->monitor()->findChild<QTabWidget*>();
  lower->setCurrentWidget(ranks);
  QTRY_VERIFY(fittedToData(ranks));
  screenshot("monitor-ranks");
  QCustomPlot* stepTime = m_window->monitor()->findChild<QCustomPlot*>("step-time");
  QVERIFY(drawnSeries(stepTime).filter("(exposed communication)").size() == 1);
  lower->setCurrentWidget(stepTime);
  QTRY_VERIFY(fittedToData(stepTime));
  // The bucket size and connections tried in the first steps, and the ones kept, in the log.
  const QString tuned = QJsonDocument::fromJson(m_store->events(runId, "comm_tuned").value(0))
                            .object()["buckets"]
                            .toVariant()
                            .toString();
  QVERIFY(!tuned.isEmpty());
  const QString log = field<QPlainTextEdit>("log")->toPlainText();
  QVERIFY2(log.contains(QString("run %1: communication tuned: ").arg(runId)) &&
               log.contains("(" + tuned + " a step)"),
           qPrintable(log));
  screenshot("monitor-communication");
  lower->setCurrentIndex(0);
  // The trace has a communication row per rank, with each bucket's all-reduce.
  QSet<int> commRows;
  const QJsonArray trace = app::chromeTraceFromProfiles(m_store->events(runId, "profile"))
                               .object()["traceEvents"]
                               .toArray();
  double firstForwardUs = -1, optimizerUs = -1;
  int optimizerRow = 0;
  for (const QJsonValue& e : trace) {
    if (e["cat"] == "communication" && e["dur"].toDouble() > 0) commRows.insert(e["tid"].toInt());
    if (e["cat"] == "forward" && firstForwardUs < 0) firstForwardUs = e["ts"].toDouble();
    if (e["cat"] == "optimizer" && optimizerUs < 0) {
      optimizerUs = e["ts"].toDouble();
      optimizerRow = e["tid"].toInt();
    }
  }
  QCOMPARE(commRows.size(), 2);
  // With overlap_forward (the default) the update ran during forward: on the data row, from
  // forward's start, not after backward.
  QCOMPARE(optimizerRow, 2);
  QCOMPARE(optimizerUs, firstForwardUs);
  // The Profile tab sums each rank's all-reduces of the profiled step.
  m_window->tabs()->setCurrentWidget(m_window->profilePanel());
  QTRY_VERIFY_WITH_TIMEOUT(m_window->profilePanel()
                               ->findChild<QLabel*>("profileStep")
                               ->text()
                               .contains("all-reduce rank 0"),
                           twb::test::timeScaled(10000));
  QVERIFY(m_window->profilePanel()->findChild<QLabel*>("profileStep")->text().contains("rank 1:"));
  screenshot("profile-data-parallel");
  QVERIFY(comparedRunRanOn("CPU · 2 ranks"));

  // Back to one worker: the ranks' options go, since one worker refuses them, and the job is
  // the one it was before (which named no strategy)...
  m_window->tabs()->setCurrentIndex(0);
  auto* lr = field<QLineEdit>("lr");
  lr->setText("0.0.5");  // being typed: not a number yet
  strategy->setCurrentIndex(strategy->findData("single"));
  QVERIFY(!m_window->jobForm()->job().contains("parallel"));
  QVERIFY(field<QSpinBox>("batch")->suffix().isEmpty());
  QCOMPARE(field<QComboBox>("compression")->currentText(), QString("none"));
  // ... and come back with data parallel, shown in their fields; what is typed elsewhere stays.
  strategy->setCurrentIndex(strategy->findData("data"));
  QCOMPARE(m_window->jobForm()->job()["parallel"].toObject(), parallel);
  QCOMPARE(field<QComboBox>("compression")->currentText(), QString("bf16"));
  QCOMPARE(field<QSpinBox>("ranksPerNode")->value(), 2);
  QCOMPARE(lr->text(), QString("0.0.5"));
  lr->setText("0.05");
  strategy->setCurrentIndex(strategy->findData("single"));
  QVERIFY(!m_window->jobForm()->job().contains("parallel"));
}

// Two hosts (network namespaces on a tc-shaped bridge, each with its own sshd and engine
// folder), both checked in the Job tab: the run goes across them and stores each one's events.
void WorkbenchGuiTest::aDataParallelRunAcrossTwoNamespaceHosts() {
  if (::geteuid() != 0) QSKIP("needs root: sshd, network namespaces (CI runs as root)");
  QString output;
  const QString bundle = test::makeEngineBundle(m_dir.filePath("bundle"), &output);
  QVERIFY2(!bundle.isEmpty(), qPrintable(output));
  test::NamespaceHosts hosts("twbgui", 2);
  QVERIFY2(hosts.error().isEmpty(), qPrintable(hosts.error()));
  struct StopDaemons {  // the hosts' daemons are local processes here; also on a failed check
    QTemporaryDir& dir;
    const test::NamespaceHosts& hosts;
    ~StopDaemons() {
      for (int i = 0; i < 2; ++i) {
        QFile daemon(dir.filePath("engine-" + hosts.name(i)) + "/node/daemon.json");
        if (daemon.open(QIODevice::ReadOnly))
          ::kill(QJsonDocument::fromJson(daemon.readAll()).object().value("pid").toInt(), SIGTERM);
      }
    }
  } stopDaemons{m_dir, hosts};
  app::NodeManager nodes(m_dir.filePath("nodes-across.json"),
                         {TWB_ENGINE_BINARY, bundle, m_dir.filePath("known_hosts"), {}},
                         m_window->plugins());
  connect(&nodes, &app::NodeManager::hostKeyQuestion, this,
          [](const QString&, const QString&, const QString&, bool* accept) { *accept = true; });
  std::vector<std::unique_ptr<test::SshServer>> servers;
  for (int i = 0; i < 2; ++i) {
    servers.push_back(std::make_unique<test::SshServer>(m_dir.filePath("sshd-" + hosts.name(i)),
                                                        hosts.address(i), hosts.name(i)));
    QVERIFY2(servers.back()->start(), qPrintable(servers.back()->error()));
    remote::NodeEntry entry;
    entry.name = hosts.name(i);
    entry.target = {hosts.address(i), 22, "root", servers.back()->clientKey()};
    entry.folder = m_dir.filePath("engine-" + hosts.name(i));  // a machine of its own
    nodes.save(entry);
  }
  m_controller->setNodeManager(&nodes);
  m_window->jobForm()->setNodes({hosts.name(0), hosts.name(1)});
  const auto forgetNodes = forgetNodesOnExit();  // before `nodes` goes, also on a failed check

  const OwnProject own(*m_window, *m_controller, "Across nodes");  // also on a failed check
  const qint64 project = own.id;
  const QJsonObject& before = own.job;
  // A node the workbench does not know is refused at the field, before anything starts.
  QJsonObject ghost = before;
  ghost["parallel"] =
      QJsonObject{{"strategy", "data"}, {"nodes", QJsonArray{hosts.name(0), "ghost"}}};
  m_window->jobForm()->setJob(ghost);
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("nodesError")->isVisible(), twb::test::timeScaled(30000));
  QVERIFY2(field<QLabel>("nodesError")->text().contains("no node named 'ghost'"),
           qPrintable(field<QLabel>("nodesError")->text()));
  QVERIFY(!runEnabled());
  m_window->jobForm()->setJob(before);
  auto* strategy = field<QComboBox>("strategy");
  strategy->setCurrentIndex(strategy->findData("data"));
  auto* checklist = field<QListWidget>("parallelNodes");
  QCOMPARE(checklist->count(), 3);  // local and the two hosts
  checklist->item(1)->setCheckState(Qt::Checked);
  QTRY_VERIFY(field<QLabel>("nodesError")->isVisible());  // one node is no job across nodes
  checklist->item(2)->setCheckState(Qt::Checked);
  QVERIFY(checklist->item(2)->text().contains("node 2 of 2"));
  QVERIFY(!field<QComboBox>("node")->isEnabled());  // the checked nodes are where it runs
  field<QSpinBox>("maxSteps")->setValue(60);
  field<QSpinBox>("threads")->setValue(1);
  const QJsonObject parallel = m_window->jobForm()->job()["parallel"].toObject();
  QCOMPARE(parallel["nodes"].toArray(), QJsonArray({hosts.name(0), hosts.name(1)}));
  QTRY_VERIFY_WITH_TIMEOUT(
      runEnabled(), twb::test::timeScaled(120000));  // every node checked it (and got the engine)
  screenshot("job-across-nodes");
  // A problem one host finds is said at its field, naming the host: an interface it lacks.
  auto* interface = field<QLineEdit>("interface");
  QTest::keyClicks(interface, "twbnosuch0");
  QTRY_VERIFY_WITH_TIMEOUT(field<QLabel>("interfaceError")->isVisible(),
                           twb::test::timeScaled(60000));
  QVERIFY2(field<QLabel>("interfaceError")->text().contains("no network interface 'twbnosuch0'"),
           qPrintable(field<QLabel>("interfaceError")->text()));
  QVERIFY(!runEnabled());
  screenshot("job-across-nodes-interface");
  interface->selectAll();
  QTest::keyClick(interface, Qt::Key_Delete);
  QVERIFY(!m_window->jobForm()->job()["parallel"].toObject().contains("interface"));
  QTRY_VERIFY_WITH_TIMEOUT(runEnabled(), twb::test::timeScaled(60000));
  QPersistentModelIndex run;
  runToSuccess(project, run);
  if (!run.isValid()) return;
  const qint64 runId = runIdOf(run);
  QCOMPARE(text(run, 3), hosts.name(0) + ", " + hosts.name(1));

  // Each host's share and events are stored once, complete, by its first rank.
  const QList<app::RunShare> shares = m_store->runShares(runId);
  QCOMPARE(shares.size(), 2);
  for (const app::RunShare& share : shares) {
    QVERIFY(!share.nodeJobId.isEmpty());
    const QVector<qint64> seqs = m_store->storedSeqs(runId, share.firstRank);
    QVERIFY(!seqs.isEmpty());
    for (int i = 0; i < seqs.size(); ++i) QCOMPARE(seqs[i], qint64{i + 1});
    QFile log(m_dir.filePath("engine-" + share.node) + "/node/jobs/" + share.nodeJobId +
              "/events.jsonl");
    QVERIFY(log.open(QIODevice::ReadOnly));
    QCOMPARE(seqs.size(), log.readAll().count('\n'));
  }
  QCOMPARE(shares[1].firstRank, 1);
  const auto steps = m_store->events(runId, "step");
  QCOMPARE(QJsonDocument::fromJson(steps.back()).object()["ranks"].toArray().size(), 2);

  // The Monitor: each rank's step time, and the communication part of the step.
  m_window->runsBrowser()->setCurrentIndex(run);
  m_window->tabs()->setCurrentWidget(m_window->monitor());
  auto* ranks = m_window->monitor()->findChild<QCustomPlot*>("ranksPlot");
  QCOMPARE(drawnSeries(ranks).filter("rank").size(), 2);
  QCustomPlot* stepTime = m_window->monitor()->findChild<QCustomPlot*>("step-time");
  QVERIFY(drawnSeries(stepTime).filter("(exposed communication)").size() == 1);
  // What rank 0 sent a step (through shared memory here, so little on the network).
  QCOMPARE(drawnSeries(m_window->monitor()->findChild<QCustomPlot*>("networkPlot")).size(), 1);
  auto* lower = m_window->monitor()->findChild<QTabWidget*>();
  lower->setCurrentWidget(ranks);
  QVERIFY2(shownNote(ranks).isEmpty() && fittedToData(ranks), qPrintable(shownNote(ranks)));
  screenshot("monitor-across-nodes");
  lower->setCurrentIndex(0);
  QVERIFY(comparedRunRanOn("CPU · 2 ranks on 2 nodes"));

  // As if the workbench had been closed while it ran: a new controller on the same store follows
  // every share again from its last stored event; nothing is stored twice.
  const QVector<qint64> first = m_store->storedSeqs(runId, 0),
                        second = m_store->storedSeqs(runId, 1);
  m_store->setRunState(runId, twb::app::RunState::Running);
  {  // ... and had not yet stored each share's last events
    sqlite3* db = nullptr;
    QCOMPARE(sqlite3_open(m_dir.filePath("experiments.db").toUtf8().constData(), &db), SQLITE_OK);
    const QByteArray cut = QString(
                               "DELETE FROM events WHERE run_id = %1 AND ((rank = 0 AND seq > %2) "
                               "OR (rank = 1 AND seq > %3))")
                               .arg(runId)
                               .arg(first.size() - 3)
                               .arg(second.size() - 5)
                               .toUtf8();
    QCOMPARE(sqlite3_exec(db, cut.constData(), nullptr, nullptr, nullptr), SQLITE_OK);
    sqlite3_close(db);
  }
  QCOMPARE(m_store->lastSeq(runId, 1), qint64(second.size() - 5));
  {
    app::WorkbenchController reopened(
        *m_store, std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, m_dir.filePath("node")));
    reopened.setNodeManager(&nodes);
    QVERIFY(reopened.followUnfinishedRuns() >= 1);
    QTRY_COMPARE_WITH_TIMEOUT(m_store->run(runId).state, twb::app::RunState::Succeeded,
                              twb::test::timeScaled(60000));
  }
  QCOMPARE(m_store->storedSeqs(runId, 0), first);
  QCOMPARE(m_store->storedSeqs(runId, 1), second);

  // Measure scaling across the hosts: 1 and 2 ranks on the first host alone (that run goes to
  // it, not to the Job tab's node), then on both; Compare says where each ran and how it scaled.
  m_window->tabs()->setCurrentIndex(0);
  field<QSpinBox>("maxSteps")->setValue(40);
  auto* measure = field<QPushButton>("measureScaling");
  QTRY_VERIFY_WITH_TIMEOUT(measure->isEnabled(), twb::test::timeScaled(60000));
  QTest::mouseClick(measure, Qt::LeftButton);
  auto* sweeps = m_window->findChild<app::SweepController*>();
  QVERIFY(sweeps->isRunning());
  const qint64 study = m_controller->projectId();
  QVERIFY(study != project);
  QTRY_VERIFY_WITH_TIMEOUT(!sweeps->isRunning(), twb::test::timeScaled(300000));
  const QList<app::Run> studied = m_store->runs(study);
  QCOMPARE(studied.size(), 4);
  QCOMPARE(studied[0].node, hosts.name(0));
  for (const app::Run& r : studied) {
    QVERIFY2(r.state == twb::app::RunState::Succeeded, qPrintable(r.name + ": " + r.reason));
    QTRY_VERIFY(m_store->run(r.id).summary.contains("samples_per_s"));
  }
  QVERIFY(comparedScaling(
      studied, {"CPU", "CPU · 2 ranks", "CPU · 2 ranks on 2 nodes", "CPU · 4 ranks on 2 nodes"},
      {1, 2, 2, 4}));
  screenshot("compare-scaling-across-nodes");

  m_window->tabs()->setCurrentIndex(0);
  strategy->setCurrentIndex(strategy->findData("single"));
  QVERIFY(!m_window->jobForm()->job()["parallel"].toObject().contains("nodes"));
}
