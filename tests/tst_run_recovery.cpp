// Runs survive the workbench. The real tensor-workbench process starts a run and is killed with
// SIGKILL at a random step; a new session on the same store follows the run again from the last
// stored event, shows it continuing in the Monitor, and ends it in its true state with every
// event stored once. With the node's job gone in between, the run ends lost and says why. A
// dropped link to the node shows on the run's row and in the status bar until it is back. A sweep
// goes on after its workbench is killed.
#include <signal.h>
#include <unistd.h>

#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QModelIndex>
#include <QPlainTextEdit>
#include <QProcess>
#include <QPushButton>
#include <QRandomGenerator>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>
#include <QtTest>

#include "app/experiment_store.h"
#include "app/run_recorder.h"
#include "app/sweep_controller.h"
#include "app/workbench_controller.h"
#include "remote/job_dispatcher.h"
#include "remote/local_node.h"
#include "remote/multi_node_dispatcher.h"
#include "remote/node_jobs.h"
#include "test_support.h"
#include "ui/job_form.h"
#include "ui/main_window.h"
#include "ui/monitor_panel.h"

using namespace twb;

namespace {
// What the runs browser says in a run's State column.
QString stateText(const ui::MainWindow& window, qint64 runId) {
  return window.runIndex(runId, 1).data().toString();
}

// On a full disk SQLite's log may still have room in its file for a few writes: writes a run's
// notes until one fails; false if 200 went through.
bool writeUntilTheStoreCannot(app::ExperimentStore& store, qint64 runId) {
  for (int i = 0; i < 200; ++i) {
    try {
      store.setRunNotes(runId, QString("note %1").arg(i), {});
    } catch (const app::StoreError&) {
      return true;
    }
  }
  return false;
}
}  // namespace

class RunRecoveryTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_dir;
  std::unique_ptr<app::ExperimentStore> m_store;

  QString storePath() const { return m_dir.filePath("experiments.db"); }
  QString dataHome() const { return m_dir.filePath("data"); }
  // Where the workbench's local node keeps its jobs (QStandardPaths' AppDataLocation).
  QString nodeDir() const { return dataHome() + "/TensorWorkbench/tensor-workbench/local-node"; }
  QString jobDir(const QString& jobId) const { return nodeDir() + "/jobs/" + jobId; }

  // The mlp on Fashion-MNIST for `steps` steps, a step event every 2 steps.
  QString writeJob(const QString& name, int steps) const {
    const QJsonObject job{{"name", name},
                          {"model", QJsonObject{{"template", "mlp"}}},
                          {"dataset", "fashion-mnist"},
                          {"optimizer", QJsonObject{{"type", "sgd"}, {"lr", 0.05}}},
                          {"batch", 64},
                          {"epochs", 1},
                          {"max_steps", steps},
                          {"log_every_steps", 2},
                          {"checkpoint", QJsonObject{{"every_steps", 50}}},
                          {"threads", 1}};
    const QString path = m_dir.filePath(name + ".json");
    QFile file(path);
    if (!file.open(QIODevice::WriteOnly) || file.write(QJsonDocument(job).toJson()) < 0)
      qFatal("cannot write %s", qPrintable(path));
    return path;
  }

  // Starts the workbench with `job` (--run) and kills it with SIGKILL once the store holds
  // `events` events of the run it started. Returns that run.
  app::Run startAndKill(const QString& job, int events) {
    QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
    environment.insert("QT_QPA_PLATFORM", "offscreen");
    environment.insert("XDG_DATA_HOME", dataHome());
    environment.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));
    environment.insert("XDG_CACHE_HOME", m_dir.filePath("cache"));
    QProcess workbench;
    workbench.setProcessEnvironment(environment);
    workbench.setProcessChannelMode(QProcess::MergedChannels);
    workbench.start(TWB_APP_BINARY,
                    {"--store", storePath(), "--engine", TWB_ENGINE_BINARY, job, "--run"});
    if (!workbench.waitForStarted()) qFatal("cannot start %s", TWB_APP_BINARY);
    app::Run run;
    QElapsedTimer waited;
    waited.start();
    while (waited.elapsed() < 120000 && workbench.state() == QProcess::Running) {
      const QList<app::Run> going = m_store->unfinishedRuns();
      if (!going.isEmpty() && m_store->lastSeq(going.back().id) >= events) {
        run = going.back();
        break;
      }
      QTest::qWait(20);
    }
    if (const qint64 pid = workbench.processId(); pid > 0) ::kill(static_cast<pid_t>(pid), SIGKILL);
    workbench.waitForFinished();
    if (!run.id) {
      qWarning("the workbench said: %s", workbench.readAll().constData());
      return {};
    }
    return m_store->run(run.id);
  }

  void killDaemon() {
    const int pid = test::readJsonObject(nodeDir() + "/daemon.json").value("pid").toInt();
    if (pid > 0) ::kill(pid, SIGKILL);  // never 0: that is this test's process group
  }

  // Every event the node logged for the run is stored, once: seqs 1..N, N the node's log.
  void verifyStoredOnce(const app::Run& run) {
    m_store->flush();
    const QVector<qint64> seqs = m_store->storedSeqs(run.id);
    QVERIFY(!seqs.isEmpty());
    for (int i = 0; i < seqs.size(); ++i) QCOMPARE(seqs[i], qint64{i + 1});
    QCOMPARE(seqs.size(), test::lineCount(jobDir(run.nodeJobId) + "/events.jsonl"));
  }

 private slots:
  void initTestCase() {
    QCoreApplication::setOrganizationName("TensorWorkbenchTest");
    qputenv("XDG_CONFIG_HOME", m_dir.filePath("config").toUtf8());
    QDir().mkpath(TWB_BINARY_DIR "/screenshots");
    m_store = std::make_unique<app::ExperimentStore>(storePath());
  }

  void aKilledWorkbenchsRunContinuesAfterRestart() {
    const quint32 seed = QRandomGenerator::global()->generate();
    const int killAfter = 10 + static_cast<int>(seed % 50);  // events: steps 20..118 of 300
    qInfo("killing the workbench after %d events (seed %u)", killAfter, seed);
    const app::Run killed = startAndKill(writeJob("survivor", 300), killAfter);
    QVERIFY(killed.id > 0);
    QCOMPARE(killed.state, twb::app::RunState::Running);
    QVERIFY(!killed.nodeJobId.isEmpty());
    const qint64 storedAtKill = m_store->lastSeq(killed.id);
    const int lossAtKill = m_store->metric(killed.id, "train/loss").size();
    QVERIFY(storedAtKill >= killAfter);

    auto node = std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, nodeDir());
    app::WorkbenchController controller(*m_store, node);
    ui::MainWindow window(controller);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QTRY_VERIFY(window.runIndex(killed.id).isValid());  // the browser is read off the GUI thread
    QTRY_COMPARE_WITH_TIMEOUT(stateText(window, killed.id), QString("succeeded"), twb::test::timeScaled(180000));
    QCOMPARE(m_store->run(killed.id).state, twb::app::RunState::Succeeded);
    verifyStoredOnce(killed);
    // The Monitor drew the stored curve and went on with what came after the restart.
    const int loss = m_store->metric(killed.id, "train/loss").size();
    QCOMPARE(loss, 150);  // 300 steps, one point every 2
    QVERIFY(loss > lossAtKill);
    QCOMPARE(window.monitor()->pointCount(killed.id), loss);
    window.tabs()->setCurrentWidget(window.monitor());
    QTest::qWait(100);
    QVERIFY(window.grab().save(QString(TWB_BINARY_DIR "/screenshots/monitor-after-restart.png")));
  }

  // A sweep of three trials, one at a time; the workbench is killed while the first runs. The
  // next session follows that trial, starts the other two, and ends the sweep: each trial ran once.
  void aSweepGoesOnAfterTheWorkbenchIsKilled() {
    QJsonObject job = test::readJsonObject(writeJob("sweep-survivor", 80));
    job["sweep"] = QJsonObject{{"method", "grid"},
                               {"concurrency", 1},
                               {"parameters", QJsonObject{{"optimizer.lr", QJsonArray{0.05, 0.02, 0.01}}}}};
    const QString path = m_dir.filePath("sweep-survivor-sweep.json");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly) && file.write(QJsonDocument(job).toJson()) > 0);
    file.close();
    const app::Run first = startAndKill(path, 10);
    QVERIFY(first.id > 0);
    QCOMPARE(first.state, twb::app::RunState::Running);
    const std::optional<app::Sweep> stored = m_store->unfinishedSweep();
    QVERIFY(stored);
    QCOMPARE(stored->trialRuns.size(), 1);
    QCOMPARE(stored->trialRuns.value(0), first.id);

    auto node = std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, nodeDir());
    app::WorkbenchController controller(*m_store, node);
    ui::MainWindow window(controller);
    auto* sweeps = window.findChild<app::SweepController*>();
    QVERIFY(sweeps->isRunning());  // going on, its first trial followed again
    QElapsedTimer waited;
    waited.start();
    while (sweeps->isRunning() && waited.elapsed() < 240000) QTest::qWait(100);
    QVERIFY(!sweeps->isRunning());
    QVERIFY(!m_store->unfinishedSweep());
    QList<app::Run> trials;
    for (const app::Run& run : m_store->runs(first.projectId))
      if (run.tags.contains("sweep:sweep-survivor")) trials << run;
    QCOMPARE(trials.size(), 3);  // each trial once: none started twice, none left out
    QCOMPARE(trials[0].id, first.id);
    QStringList lrs;
    for (const app::Run& run : trials) {
      QCOMPARE(run.state, twb::app::RunState::Succeeded);
      lrs << QString::number(QJsonDocument::fromJson(run.jobJson.toUtf8())["optimizer"]["lr"].toDouble());
    }
    QCOMPARE(lrs, QStringList({"0.05", "0.02", "0.01"}));
    verifyStoredOnce(first);
  }

  // A sweep whose store fills up while its first trial runs: that trial goes on to its end, the
  // rest do not start (no crash, as an unrecorded run would have been), finished() says why, and
  // the store keeps the sweep unfinished. With room again, a later session runs the other two.
  void aSweepWhoseStoreFillsUpStopsStartingTrials() {
    if (::geteuid() != 0) QSKIP("needs root to mount a small tmpfs (CI runs as root)");
    const QString small = m_dir.filePath("small");
    const test::SmallDisk disk(small, "2m");
    QVERIFY(disk.mounted());
    QJsonObject job = test::readJsonObject(writeJob("store-full", 40));
    job["sweep"] =
        QJsonObject{{"method", "grid"},
                    {"concurrency", 1},
                    {"parameters", QJsonObject{{"optimizer.lr", QJsonArray{0.05, 0.02, 0.01}}}}};
    auto node = std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, nodeDir());
    QFile filler(small + "/filler");
    {
      app::ExperimentStore store(small + "/experiments.db");
      app::WorkbenchController controller(store, node);
      controller.setProjectId(store.addProject("store-full"));
      app::SweepController sweeps(controller);
      QSignalSpy finished(&sweeps, &app::SweepController::finished);
      QCOMPARE(sweeps.start(job, {"local"}), QString());
      QTRY_VERIFY_WITH_TIMEOUT(!store.unfinishedRuns().isEmpty(), 30000);
      disk.fillUp(filler);  // the rest of the filesystem taken by another file
      QVERIFY(finished.wait(120000));
      const QString why = finished.front().front().toString();
      QVERIFY2(
          why.startsWith("2 of its 3 trials did not start: the experiment store cannot write") &&
              why.contains("disk is full"),
          qPrintable(why));
      QVERIFY(!sweeps.isRunning());
    }
    QVERIFY(filler.remove());
    app::ExperimentStore store(small + "/experiments.db");
    const std::optional<app::Sweep> stored = store.unfinishedSweep();
    QVERIFY(stored);
    QCOMPARE(stored->trialRuns.size(), 1);
    app::WorkbenchController controller(store, node);
    app::SweepController sweeps(controller);
    QSignalSpy finished(&sweeps, &app::SweepController::finished);
    controller.followUnfinishedRuns();
    QVERIFY(sweeps.resumeUnfinished());
    QVERIFY(finished.wait(120000));
    QCOMPARE(finished.front().front().toString(), QString());
    QVERIFY(!store.unfinishedSweep());
    QList<app::Run> trials;
    for (const app::Run& run : store.runs(stored->projectId))
      if (run.tags.contains("sweep:store-full")) trials << run;
    QCOMPARE(trials.size(), 3);
    for (const app::Run& run : trials) QCOMPARE(run.state, twb::app::RunState::Succeeded);
  }

  // A run across nodes whose store fills up as its shares start on their nodes: the node's job
  // id goes unrecorded but the workbench goes on (the write, made inside the dispatcher's signal,
  // ended it), and the run's end is stored once there is room again.
  void aRunAcrossNodesWhoseStoreFillsUpGoesOn() {
    if (::geteuid() != 0) QSKIP("needs root to mount a small tmpfs (CI runs as root)");
    const QString small = m_dir.filePath("small-shares");
    const test::SmallDisk disk(small, "2m");
    QVERIFY(disk.mounted());
    app::ExperimentStore store(small + "/experiments.db");
    app::Run run;
    run.projectId = store.addProject("shares");
    run.name = "across two nodes";
    run.node = "a";
    run.state = twb::app::RunState::Running;
    const qint64 runId = store.addRun(run);
    auto node = std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, nodeDir());
    remote::MultiNodeDispatcher dispatcher({{"a", node}, {"b", node}});
    app::RunRecorder recorder(store, dispatcher, runId, 1);
    QFile filler(small + "/filler");
    disk.fillUp(filler);
    QVERIFY(writeUntilTheStoreCannot(store, runId));
    emit dispatcher.submitted(1, "job-on-b");  // node b's share started
    QVERIFY(filler.remove());
    emit dispatcher.finished(twb::app::RunState::Succeeded, {});
    QCOMPARE(store.run(runId).state, twb::app::RunState::Succeeded);
    QCOMPARE(store.runShares(runId).size(), 0);  // b's job id was not written
  }

  // On a store that cannot write, notes typed for a run are kept in their dialog, which comes
  // back after the warning (saved once there is room), a run to delete stays, and new runs are
  // refused saying why.
  void whatTheUserAsksOfAFullStoreIsRefusedNotLost() {
    if (::geteuid() != 0) QSKIP("needs root to mount a small tmpfs (CI runs as root)");
    const QString small = m_dir.filePath("small-notes");
    const test::SmallDisk disk(small, "2m");
    QVERIFY(disk.mounted());
    app::ExperimentStore store(small + "/experiments.db");
    const qint64 runId = store.addRun({0,
                                       store.addProject("notes"),
                                       "kept",
                                       "{}",
                                       "local",
                                       "",
                                       twb::app::RunState::Succeeded,
                                       "fp32",
                                       0,
                                       {},
                                       {},
                                       {},
                                       {},
                                       {},
                                       {}});
    auto node = std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, nodeDir());
    app::WorkbenchController controller(store, node);
    ui::MainWindow window(controller);
    QTRY_VERIFY(window.runIndex(runId).isValid());  // listed
    QFile filler(small + "/filler");
    disk.fillUp(filler);
    QVERIFY(writeUntilTheStoreCannot(store, runId));
    // Answers the modal windows as they come: the dialog, the warning, the dialog again.
    QStringList warnings, shownAgain;
    std::function<void()> answer = [&] {
      QWidget* modal = QApplication::activeModalWidget();
      if (auto* box = qobject_cast<QMessageBox*>(modal)) {
        warnings << box->text();
        box->accept();
      } else if (modal && modal->objectName() == "runNotesDialog") {
        auto* notes = modal->findChild<QPlainTextEdit*>("runNotes");
        if (warnings.isEmpty()) {
          notes->setPlainText("typed while the disk was full");
        } else {
          shownAgain << notes->toPlainText();
          filler.remove();  // room again
        }
        qobject_cast<QDialog*>(modal)->accept();
      }
      if (shownAgain.isEmpty()) QTimer::singleShot(50, &window, answer);
    };
    QTimer::singleShot(50, &window, answer);
    window.editRunNotes(runId);
    QCOMPARE(warnings.size(), 1);
    QVERIFY2(warnings[0].startsWith("The notes were not saved: ") &&
                 warnings[0].contains("disk is full"),
             qPrintable(warnings[0]));
    QCOMPARE(shownAgain, QStringList({"typed while the disk was full"}));
    QCOMPARE(store.run(runId).notes, QString("typed while the disk was full"));

    disk.fillUp(filler);
    QVERIFY(writeUntilTheStoreCannot(store, runId));
    warnings.clear();
    QTimer::singleShot(50, &window, [&] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
        warnings << box->text();
        box->accept();
      }
    });
    QVERIFY(!window.deleteRun(runId));
    QCOMPARE(warnings.size(), 1);
    QVERIFY2(
        warnings[0].startsWith("kept was not deleted: ") && warnings[0].contains("disk is full"),
        qPrintable(warnings[0]));
    QVERIFY(window.runIndex(runId).isValid());
    QCOMPARE(store.run(runId).name, QString("kept"));

    // New runs are refused with SQLite's reason: Compare precisions, and quantizing on Export.
    warnings.clear();
    QTimer::singleShot(50, &window, [&] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
        warnings << box->text();
        box->accept();
      }
    });
    emit window.jobForm()->comparePrecisionsRequested(
        test::readJsonObject(writeJob("full-compare", 10)), "local");
    QCOMPARE(warnings.size(), 1);
    QVERIFY2(warnings[0].startsWith("The runs were not started: ") &&
                 warnings[0].contains("disk is full"),
             qPrintable(warnings[0]));
    auto* exportRun = window.findChild<QComboBox*>("exportRun");
    QTRY_VERIFY(exportRun->findData(runId) >= 0);
    exportRun->setCurrentIndex(exportRun->findData(runId));
    window.findChild<QPushButton*>("quantize")->click();
    const QString status = window.findChild<QLabel*>("exportStatus")->text();
    QVERIFY2(status.startsWith("Not quantized: ") && status.contains("disk is full"),
             qPrintable(status));
    QCOMPARE(store.runs(store.run(runId).projectId).size(), 1);
  }

  void aRunWhoseNodeLostItEndsLost() {
    const app::Run killed = startAndKill(writeJob("orphan", 300), 10);
    QVERIFY(killed.id > 0);
    // The node goes down with the job's worker, and comes back without the job's folder.
    const int worker = test::readJsonObject(jobDir(killed.nodeJobId) + "/status.json").value("pid").toInt();
    killDaemon();
    if (worker > 0) ::kill(worker, SIGKILL);
    QVERIFY(QDir(jobDir(killed.nodeJobId)).removeRecursively());
    const qint64 stored = m_store->lastSeq(killed.id);

    auto node = std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, nodeDir());
    app::WorkbenchController controller(*m_store, node);
    ui::MainWindow window(controller);
    QTRY_VERIFY(window.runIndex(killed.id).isValid());
    QTRY_COMPARE_WITH_TIMEOUT(m_store->run(killed.id).state, twb::app::RunState::Lost, twb::test::timeScaled(60000));
    const QString reason = m_store->run(killed.id).reason;
    QVERIFY2(reason.contains("no longer has job " + killed.nodeJobId), qPrintable(reason));
    QTRY_COMPARE_WITH_TIMEOUT(stateText(window, killed.id), QString("lost"), twb::test::timeScaled(10000));
    QCOMPARE(window.runIndex(killed.id, 1).data(Qt::ToolTipRole).toString(), reason);
    // What was stored stays.
    QVERIFY(stored >= 10);
    QCOMPARE(m_store->lastSeq(killed.id), stored);
    QCOMPARE(m_store->integrityCheck(), QString("ok"));
  }

  // The workbench stopped between sending a run's job and storing the node's answer: on the
  // next start the job is found on the node by the run's submission id and followed to its end,
  // events stored once; a run whose submission never reached the node ends lost, saying so.
  void aRunWhoseAnswerWasLostIsFoundBySubmission() {
    auto node = std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, nodeDir());
    const QJsonObject job = test::readJsonObject(writeJob("unanswered", 200));
    const QString jobJson = QString::fromUtf8(QJsonDocument(job).toJson());
    QString madeJob;
    {
      remote::JobDispatcher dispatcher(node);
      QSignalSpy submitted(&dispatcher, &remote::JobDispatcher::submitted);
      remote::TrainingRequest request(jobJson);
      request.submissionId = "5d41402a-unanswered";
      dispatcher.submit(request);
      QVERIFY(submitted.wait(60000));
      madeJob = submitted.front().front().toString();
    }  // the answer goes nowhere: the store never hears of it
    app::WorkbenchController controller(*m_store, node);
    app::Run answered, unsent;
    answered.name = "unanswered";
    unsent.name = "never sent";
    for (app::Run* run : {&answered, &unsent}) {
      run->projectId = controller.projectId();
      run->jobJson = jobJson;
      run->node = "local";
      run->precision = "fp32";
    }
    answered.submissionId = "5d41402a-unanswered";
    unsent.submissionId = "5d41402a-never-sent";
    answered.id = m_store->addRun(answered);
    unsent.id = m_store->addRun(unsent);
    QVERIFY(controller.followUnfinishedRuns() >= 2);
    QTRY_COMPARE_WITH_TIMEOUT(m_store->run(answered.id).state, app::RunState::Succeeded, twb::test::timeScaled(120000));
    QCOMPARE(m_store->run(answered.id).nodeJobId, madeJob);
    verifyStoredOnce(m_store->run(answered.id));
    QTRY_COMPARE_WITH_TIMEOUT(m_store->run(unsent.id).state, app::RunState::Lost, twb::test::timeScaled(30000));
    const QString reason = m_store->run(unsent.id).reason;
    QVERIFY2(reason.contains("stopped before") && reason.contains("accepted the job"), qPrintable(reason));
    QVERIFY(m_store->storedSeqs(unsent.id).isEmpty());
  }

  void aDroppedLinkShowsUntilItIsBack() {
    auto node = std::make_shared<remote::LocalNode>(TWB_ENGINE_BINARY, nodeDir());
    app::WorkbenchController controller(*m_store, node);
    ui::MainWindow window(controller);
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    QString rowWhileLost, statusWhileLost;
    // Right after the window took the news in (its slot was connected first).
    connect(&controller, &app::WorkbenchController::connectionLost, this, [&](qint64 runId) {
      if (!rowWhileLost.isEmpty()) return;
      rowWhileLost = stateText(window, runId);
      statusWhileLost =
          window.connectionStatus()->isVisible() ? window.connectionStatus()->text() : QString();
      window.grab().save(QString(TWB_BINARY_DIR "/screenshots/reconnecting.png"));
    });
    QSignalSpy reconnected(&controller, &app::WorkbenchController::reconnected);
    const QJsonObject job = test::readJsonObject(writeJob("steady", 400));
    const qint64 runId = controller.startRun("steady", job);
    QTRY_VERIFY_WITH_TIMEOUT(m_store->lastSeq(runId) >= 20, twb::test::timeScaled(60000));
    killDaemon();  // the worker keeps training; the next daemon reattaches it
    QTRY_VERIFY_WITH_TIMEOUT(!rowWhileLost.isEmpty(), twb::test::timeScaled(30000));
    QVERIFY2(rowWhileLost.startsWith("reconnecting (attempt "), qPrintable(rowWhileLost));
    QVERIFY2(statusWhileLost.contains("Connection to local lost"), qPrintable(statusWhileLost));
    QTRY_VERIFY_WITH_TIMEOUT(reconnected.count() > 0, twb::test::timeScaled(60000));
    QTRY_VERIFY_WITH_TIMEOUT(window.connectionStatus()->text().contains("Reconnected to local"),
                             10000);
    QTRY_COMPARE_WITH_TIMEOUT(stateText(window, runId), QString("succeeded"), twb::test::timeScaled(180000));
    verifyStoredOnce(m_store->run(runId));
  }

  void cleanupTestCase() {
    killDaemon();
    m_store.reset();
  }
};

QTEST_MAIN(RunRecoveryTest)
#include "tst_run_recovery.moc"
