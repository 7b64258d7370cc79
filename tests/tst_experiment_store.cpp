// The experiment store: schema and migrations, exactly-once events, a project's history read off
// the GUI thread, and a workbench process killed with SIGKILL while a real node's events stream
// into it.
#include <signal.h>
#include <sqlite3.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <memory>
#include <mutex>
#include <numeric>

#include "app/experiment_store.h"
#include "app/project_history.h"
#include "app/run_recorder.h"
#include "memory_cgroup.h"
#include "node_daemon.h"
#include "remote/direct_node.h"
#include "remote/node_jobs.h"
#include "rpc/node_client.h"
#include "test_support.h"

using twb::app::ExperimentStore;
using twb::app::RunState;
using twb::app::StoreError;

namespace {
QVector<qint64> oneTo(qint64 n) {
  QVector<qint64> seqs;
  for (qint64 i = 1; i <= n; ++i) seqs.append(i);
  return seqs;
}

QByteArray stepEvent(qint64 seq, double loss) {
  return QJsonDocument(QJsonObject{{"seq", seq},
                                   {"type", "step"},
                                   {"time", 1000.0 + seq},
                                   {"step", seq * 10},
                                   {"loss", loss},
                                   {"accuracy", 0.5}})
      .toJson(QJsonDocument::Compact);
}

std::string storeError(const QString& path) {
  try {
    ExperimentStore store(path);
  } catch (const StoreError& e) {
    return e.what();
  }
  return "no error";
}
}  // namespace

class ExperimentStoreTest : public QObject {
  Q_OBJECT
  QTemporaryDir m_dir;

 private slots:
  void schemaIsCreatedAndChecked() {
    const QString path = m_dir.filePath("fresh.db");
    {
      ExperimentStore store(path);
      QCOMPARE(store.schemaVersion(), ExperimentStore::kSchemaVersion);
      QCOMPARE(store.integrityCheck(), QString("ok"));
      const qint64 project = store.addProject("mnist");
      twb::app::Run run;
      run.projectId = project;
      run.name = "mlp fp32";
      run.jobJson = "{}";
      run.node = "local";
      run.precision = "fp32";
      run.jobFolder = "/home/me/experiments";
      const qint64 id = store.addRun(run);
      store.setRunState(id, RunState::Running, "j0001");
      store.setRunSummary(id, {{"test_accuracy", 0.87}});
      store.setRunNotes(id, "baseline; lr from the paper\nsecond line", {"baseline", "lr-0.05"});
      store.recordArtifact(id, {"model.twbm", 2150000, {}});
      store.recordArtifact(id, {"events.jsonl", 4000, {}});
      store.recordArtifact(id, {"model.twbm", 2150000, "/home/me/mlp.twbm"});  // downloaded later
      store.saveNode("lab", {{"cpuModel", "AMD EPYC"}, {"bf16", true}});
      store.saveNode("lab", {{"cpuModel", "AMD EPYC 9R14"}, {"bf16", true}});
    }
    ExperimentStore reopened(path);  // a second open migrates nothing and keeps everything
    const auto runs = reopened.runs(reopened.projects().at(0).id);
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].state, RunState::Running);
    QCOMPARE(runs[0].nodeJobId, QString("j0001"));
    QCOMPARE(runs[0].summary.value("test_accuracy").toDouble(), 0.87);
    QCOMPARE(runs[0].notes, QString("baseline; lr from the paper\nsecond line"));
    QCOMPARE(runs[0].tags, QStringList({"baseline", "lr-0.05"}));
    QCOMPARE(runs[0].jobFolder, QString("/home/me/experiments"));
    const auto artifacts = reopened.artifacts(runs[0].id);
    QCOMPARE(artifacts.size(), 2);  // one row per file, the latest record of each
    QCOMPARE(artifacts[1].name, QString("model.twbm"));
    QCOMPARE(artifacts[1].bytes, qint64{2150000});
    QCOMPARE(artifacts[1].localPath, QString("/home/me/mlp.twbm"));
    QVERIFY(artifacts[0].localPath.isEmpty());
    QCOMPARE(reopened.node("lab").value("cpuModel").toString(), QString("AMD EPYC 9R14"));
    QVERIFY(reopened.node("elsewhere").isEmpty());

    // A store from a newer workbench, and a file that is no store at all, are refused by name.
    const QString newer = m_dir.filePath("newer.db");
    sqlite3* db = nullptr;
    sqlite3_open(newer.toUtf8().constData(), &db);
    sqlite3_exec(db, "PRAGMA user_version = 99", nullptr, nullptr, nullptr);
    sqlite3_close(db);
    QVERIFY(storeError(newer).find("made by a newer workbench (schema 99") != std::string::npos);
    const QString garbage = m_dir.filePath("garbage.db");
    QFile file(garbage);
    file.open(QIODevice::WriteOnly);
    file.write(QByteArray(8192, 'x'));
    file.close();
    const std::string refused = storeError(garbage);
    QVERIFY2(refused.find(garbage.toStdString() + ": file is not a database") != std::string::npos,
             refused.c_str());
  }

  void eventsAreStoredExactlyOnce() {
    ExperimentStore store(m_dir.filePath("once.db"));
    const qint64 project = store.addProject("p");
    const qint64 run =
        store.addRun({0, project, "r", "{}", "local", "", {}, "fp32", 0, {}, {}, {}, {}, {}, {}});
    for (qint64 seq = 1; seq <= 500; ++seq)
      store.appendEvent(run, seq, "step", stepEvent(seq, 1.0 / seq));
    for (qint64 seq = 200; seq <= 600; ++seq)  // a replay overlapping what is stored
      store.appendEvent(run, seq, "step", stepEvent(seq, 1.0 / seq));
    store.flush();
    QCOMPARE(store.storedSeqs(run), oneTo(600));
    QCOMPARE(store.lastSeq(run), qint64{600});
    const auto loss = store.metric(run, "train/loss");
    QCOMPARE(loss.size(), 600);
    QCOMPARE(loss[99].step, 1000.0);
    QCOMPARE(loss[99].value, 1.0 / 100);
    QCOMPARE(store.metric(run, "train/accuracy").size(), 600);
  }

  // A run across nodes: each node's share sends its own numbered events; each is stored once
  // per (rank, seq), and only rank 0's become the run's metrics.
  void eachRanksEventsAreStoredOncePerRankAndSeq() {
    ExperimentStore store(m_dir.filePath("ranks.db"));
    const qint64 project = store.addProject("p");
    const qint64 run =
        store.addRun({0, project, "r", "{}", "a", "", {}, "fp32", 0, {}, {}, {}, {}, {}, {}});
    for (const int rank : {0, 2, 4})
      for (qint64 seq = 1; seq <= 50; ++seq) {
        store.appendEvent(run, seq, "step", stepEvent(seq, rank + 1.0 / seq), rank);
        if (seq % 10 == 0)  // a reconnected watch replays a little
          store.appendEvent(run, seq - 1, "step", stepEvent(seq - 1, rank + 1.0 / (seq - 1)), rank);
      }
    store.appendEvent(run, 51, "log", "{}", 4);
    store.setRunShare(run, {0, "a", 0, "j1"});
    store.setRunShare(run, {1, "b", 2, ""});
    store.setRunShare(run, {1, "b", 2, "j7"});  // accepted later: the id is set, nothing doubled
    store.flush();
    QCOMPARE(store.storedSeqs(run, 0), oneTo(50));
    QCOMPARE(store.storedSeqs(run, 2), oneTo(50));
    QCOMPARE(store.lastSeq(run, 4), qint64{51});
    QCOMPARE(store.lastSeq(run), qint64{50});
    const auto loss = store.metric(run, "train/loss");
    QCOMPARE(loss.size(), 50);
    QCOMPARE(loss.back().value, 1.0 / 50);  // rank 0's, not another share's
    const auto shares = store.runShares(run);
    QCOMPARE(shares.size(), 2);
    QCOMPARE(shares[1].node, QString("b"));
    QCOMPARE(shares[1].firstRank, 2);
    QCOMPARE(shares[1].nodeJobId, QString("j7"));
    store.deleteRun(run);
    QVERIFY(store.runShares(run).isEmpty());
    QCOMPARE(store.lastSeq(run, 2), qint64{0});
  }

  // What the Monitor shows of a reopened project: the newest runs' curves and messages.
  void aProjectsHistoryArrivesInSlicesOnceAndInOrder() {
    ExperimentStore store(m_dir.filePath("history.db"));
    const qint64 project = store.addProject("many"), other = store.addProject("other");
    const int runs = twb::app::ProjectHistory::kCurveRuns + 5, steps = 600;
    QList<qint64> ids, quantizeRuns;
    for (int r = 0; r < runs; ++r) {
      ids << store.addRun({0,
                           project,
                           QString("r%1").arg(r),
                           R"({"kind": "train"})",
                           "local",
                           "",
                           {},
                           "fp32",
                           0,
                           {},
                           {},
                           {},
                           {},
                           {},
                           {}});
      for (qint64 seq = 1; seq <= steps; ++seq) store.appendEvent(ids.back(), seq, "step", stepEvent(seq, 1.0 / seq));
      store.appendEvent(ids.back(), steps + 1, "profile", "{}");  // not a curve's
      store.appendEvent(ids.back(), steps + 2, "state", R"({"state": "succeeded"})");
      // Quantize runs draw no curves; their messages and states are the log's.
      if (r < runs - twb::app::ProjectHistory::kCurveRuns - 1) continue;
      quantizeRuns << store.addRun({0,
                                    project,
                                    QString("q%1").arg(r),
                                    R"({"kind": "quantize"})",
                                    "local",
                                    "",
                                    {},
                                    "int8",
                                    0,
                                    {},
                                    {},
                                    {},
                                    {},
                                    {},
                                    {}});
      store.appendEvent(quantizeRuns.back(), 1, "log", R"({"message": "calibrating"})");
      store.appendEvent(quantizeRuns.back(), 2, "progress", "{}");  // not the log's
      store.appendEvent(quantizeRuns.back(), 3, "state", R"({"state": "succeeded"})");
    }
    store.flush();
    QCOMPARE(store.runsWithEvents(project, "profile").size(), runs);
    QVERIFY(store.runsWithEvents(other, "profile").isEmpty());

    twb::app::ProjectHistory history(store);
    QList<qint64> shown, logged, handedRuns;
    int trainingRuns = 0;
    QHash<qint64, QList<qint64>> seqs;  // per run, in the order handed over
    int slices = 0;
    QObject::connect(&history, &twb::app::ProjectHistory::runsRead,
                     [&](qint64 projectId, const QList<twb::app::Run>& curveRuns,
                         const QList<qint64>& loggedRuns, int total) {
                       QCOMPARE(projectId, project);
                       for (const twb::app::Run& run : curveRuns) shown << run.id;
                       logged = loggedRuns;
                       trainingRuns = total;
                     });
    QObject::connect(&history, &twb::app::ProjectHistory::eventsRead,
                     [&](qint64 runId, const QList<twb::app::StoredEvent>& events) {
                       QVERIFY(events.size() <= twb::app::ProjectHistory::kSliceEvents);
                       ++slices;
                       if (handedRuns.isEmpty() || handedRuns.back() != runId) handedRuns << runId;
                       for (const auto& event : events) seqs[runId] << event.seq;
                     });
    history.load(other);  // dropped: nothing of it arrives
    history.load(project);
    const qint64 newest = ids.back();
    // Live events while loading: one the store already holds, one it does not yet.
    history.addLiveEvent(newest, 5, "step", stepEvent(5, 0.2));
    history.addLiveEvent(newest, steps + 3, "step", stepEvent(steps + 3, 0.1));
    QTRY_VERIFY_WITH_TIMEOUT(!history.isLoading(), twb::test::timeScaled(30000));
    QCOMPARE(trainingRuns, runs);
    QCOMPARE(shown, ids.mid(runs - twb::app::ProjectHistory::kCurveRuns));  // the newest, oldest first
    QCOMPARE(logged, quantizeRuns.mid(1));
    QCOMPARE(seqs.size(), shown.size() + logged.size());
    QList<qint64> expected = oneTo(steps).toList() << steps + 2;
    for (const qint64 id : std::as_const(shown)) {
      QList<qint64> want = expected;
      if (id == newest) want << steps + 3;
      QCOMPARE(seqs.value(id), want);  // every step and the state once, in order; the profile not
    }
    for (const qint64 id : std::as_const(logged)) QCOMPARE(seqs.value(id), QList<qint64>({1, 3}));
    // Run by run in the order they started, then what arrived live meanwhile.
    QList<qint64> started = shown + logged;
    std::sort(started.begin(), started.end());
    QCOMPARE(handedRuns, started << newest);
    QVERIFY(slices > shown.size());  // slices, not one run at a time
    history.addLiveEvent(newest, steps + 3, "step", stepEvent(steps + 3, 0.1));  // again: dropped
    history.addLiveEvent(newest, steps + 4, "step", stepEvent(steps + 4, 0.1));
    QCOMPARE(seqs.value(newest).mid(steps), QList<qint64>({steps + 2, steps + 3, steps + 4}));
  }

  // A store written before runs across nodes (schema 2) keeps its events as rank 0's.
  void eventsOfAnOlderStoreBecomeRankZeros() {
    const QString path = m_dir.filePath("v2.db");
    sqlite3* db = nullptr;
    sqlite3_open(path.toUtf8().constData(), &db);
    sqlite3_exec(db,
                 "CREATE TABLE runs (id INTEGER PRIMARY KEY); INSERT INTO runs VALUES (7);"
                 "CREATE TABLE events (run_id INTEGER NOT NULL, seq INTEGER NOT NULL, type TEXT NOT "
                 "NULL, json TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;"
                 "INSERT INTO events VALUES (7, 1, 'state', '{\"state\":\"running\"}');"
                 "INSERT INTO events VALUES (7, 2, 'step', '{\"step\":10}');"
                 "PRAGMA user_version = 2;",
                 nullptr, nullptr, nullptr);
    sqlite3_close(db);
    ExperimentStore store(path);
    QCOMPARE(store.schemaVersion(), ExperimentStore::kSchemaVersion);
    QCOMPARE(store.lastSeq(7), qint64{2});
    QCOMPARE(store.events(7, "step"), QList<QByteArray>{"{\"step\":10}"});
  }

  // A store on a filesystem that fills up: the user is told (the listener gets SQLite's "disk is
  // full"), the file stays sound, every committed event stays, and the ones that could not be
  // written wait in order and are written once there is space again.
  void aFullDiskIsSaidAndLosesNothing() {
    if (::geteuid() != 0) QSKIP("needs root to mount a small tmpfs (CI runs as root)");
    QTemporaryDir dir;
    const QString small = dir.filePath("small");
    const twb::test::SmallDisk disk(small, "1m");
    QVERIFY(disk.mounted());
    std::mutex mutex;
    QString failure;
    ExperimentStore store(small + "/experiments.db");
    store.setWriteErrorListener([&](const QString& message) {
      std::lock_guard lock(mutex);
      if (!message.isEmpty()) failure = message;
    });
    const auto said = [&] {
      std::lock_guard lock(mutex);
      return failure;
    };
    const qint64 run = store.addRun({0,
                                     store.addProject("full"),
                                     "r",
                                     "{}",
                                     "local",
                                     "",
                                     twb::app::RunState::Running,
                                     "fp32",
                                     0,
                                     {},
                                     {},
                                     {},
                                     {},
                                     {},
                                     {}});
    const auto event = [](qint64 seq) {
      return QJsonDocument(
                 QJsonObject{{"type", "log"}, {"seq", seq}, {"message", QString(1500, 'x')}})
          .toJson();
    };
    qint64 seq = 0;
    const auto append = [&] {
      ++seq;
      store.appendEvent(run, seq, "log", event(seq));
    };
    while (seq < 50) append();
    store.flush();
    QCOMPARE(store.lastSeq(run), qint64{50});
    QFile filler(small + "/filler");
    disk.fillUp(filler);  // the rest of the filesystem taken by another file
    while (said().isEmpty() && seq < 3000) {
      append();
      if (seq % 20 == 0) QTest::qWait(60);  // a commit now and then
    }
    QVERIFY2(said().contains("disk is full"), qPrintable(said()));
    QCOMPARE(store.writeError(), said());
    store.flush();  // returns: the events wait, the caller does not
    const qint64 committed = store.lastSeq(run);
    QVERIFY(committed >= 50 && committed < seq);
    QCOMPARE(store.integrityCheck(), QString("ok"));
    QVector<qint64> expected(committed);
    std::iota(expected.begin(), expected.end(), 1);
    QCOMPARE(store.storedSeqs(run), expected);
    // Space again: what waited is written, in order, once.
    QVERIFY(QFile::remove(small + "/filler"));
    QTRY_VERIFY_WITH_TIMEOUT(store.writeError().isEmpty(), twb::test::timeScaled(10000));
    store.flush();
    expected.resize(seq);
    std::iota(expected.begin(), expected.end(), 1);
    QCOMPARE(store.storedSeqs(run), expected);
    QCOMPARE(store.integrityCheck(), QString("ok"));
  }

  void killedWhileStreamingKeepsWhatWasCommitted() {
    twb::test::NodeDaemon daemon("unix:" + m_dir.filePath("run/node.sock"), m_dir.filePath("node"));
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    twb::NodeClient node(twb::NodeAddress::parse(daemon.address().toStdString()), {});
    auto job = QJsonDocument::fromJson([] {
                 QFile f(TWB_SOURCE_DIR "/resources/examples/fmnist-mlp.json");
                 f.open(QIODevice::ReadOnly);
                 return f.readAll();
               }())
                   .object();
    job["epochs"] = 0;
    job["max_steps"] = 1500;
    job["log_every_steps"] = 1;
    job["eval"] = QJsonObject{{"every_epoch", false}};
    twb::node::v1::SubmitJobRequest request;
    request.mutable_train()->set_job_json(QJsonDocument(job).toJson().toStdString());
    const std::string jobId = node.submit(request).id();

    const QString path = m_dir.filePath("crash.db");
    qint64 run = 0;
    {
      ExperimentStore store(path);
      run = store.addRun({0,
                          store.addProject("crash"),
                          "mlp",
                          "{}",
                          "local",
                          "",
                          {},
                          "fp32",
                          0,
                          {},
                          {},
                          {},
                          {},
                          {},
                          {}});
    }
    QProcess follower;
    follower.start(TWB_STORE_FOLLOWER,
                   {path, daemon.address(), QString::fromStdString(jobId), QString::number(run)});
    qint64 committed = 0;
    QElapsedTimer timer;
    timer.start();
    while (committed < 300 && timer.elapsed() < twb::test::timeScaled(60000) &&
           follower.state() != QProcess::NotRunning) {
      follower.waitForReadyRead(100);
      while (follower.canReadLine())
        committed =
            std::max(committed, follower.readLine().split(' ').at(1).trimmed().toLongLong());
    }
    QVERIFY2(committed >= 300, follower.readAllStandardError().constData());
    ::kill(static_cast<pid_t>(follower.processId()), SIGKILL);
    follower.waitForFinished();
    QCOMPARE(follower.exitStatus(), QProcess::CrashExit);

    ExperimentStore store(path);
    QCOMPARE(store.integrityCheck(), QString("ok"));
    const QVector<qint64> kept = store.storedSeqs(run);
    QVERIFY(kept.size() >= committed);   // everything reported committed is there
    QCOMPARE(kept, oneTo(kept.size()));  // and nothing else: a prefix, no gap
    qInfo("committed %lld before the kill, %lld stored", static_cast<long long>(committed),
          static_cast<long long>(kept.size()));

    // A resumed watch fills in the rest, without duplicates.
    {
      twb::remote::JobDispatcher dispatcher(
          std::make_shared<twb::remote::DirectNode>(daemon.address()));
      twb::app::RunRecorder recorder(store, dispatcher, run);
      bool finished = false;
      connect(&dispatcher, &twb::remote::JobDispatcher::jobFinished, this,
              [&] { finished = true; });
      dispatcher.follow(QString::fromStdString(jobId), store.lastSeq(run));
      QTRY_VERIFY_WITH_TIMEOUT(finished, twb::test::timeScaled(300000));
    }
    store.flush();
    const qint64 total = node.job(jobId).last_seq();
    QVERIFY(total > 1500);
    QCOMPARE(store.storedSeqs(run), oneTo(total));
    QCOMPARE(store.run(run).state, RunState::Succeeded);
  }

  // A run whose worker was killed is stored lost with the node's reason, as the user sees it.
  void aLostRunKeepsTheNodesReason() {
    twb::test::NodeDaemon daemon("unix:" + m_dir.filePath("run/lost.sock"), m_dir.filePath("lost-node"));
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    const QString reason =
        reasonOfALostRun(daemon, "lost", [](int worker) { QCOMPARE(::kill(worker, SIGKILL), 0); });
    QCOMPARE(reason, QString("worker killed by signal 9 (KILL)"));
  }

  // ... and where the kernel killed it for want of memory (the same SIGKILL), the node says that
  // was most likely why. The daemon and its worker run in a memory cgroup, the worker made the
  // first the kernel's out-of-memory killer chooses, and a process beside it asks for it all.
  void aRunLostForMemoryIsSaidToBe() {
    const twb::test::MemoryCgroup cgroup(int64_t{768} << 20);
    if (!cgroup.error().isEmpty()) QSKIP(qPrintable(cgroup.error()));
    const QString engine = m_dir.filePath("engine-in-cgroup.sh");
    QVERIFY(cgroup.writeLauncher(engine, TWB_ENGINE_BINARY));
    twb::test::NodeDaemon daemon("unix:" + m_dir.filePath("run/oom.sock"),
                                 m_dir.filePath("oom-node"), {}, engine);
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    const QString reason = reasonOfALostRun(daemon, "oom", [&](int worker) {
      QFile score("/proc/" + QString::number(worker) + "/oom_score_adj");
      QVERIFY(score.open(QIODevice::WriteOnly) && score.write("1000") == 4);
      score.close();
      cgroup.fillToTheLimit();
    });
    QVERIFY2(
        QRegularExpression("^worker killed by signal 9 \\(KILL\\), most likely for want of "
                           "memory: the kernel's out-of-memory killer ended [0-9]+ process(es)? "
                           "while it ran \\(dmesg names them\\)$")
            .match(reason)
            .hasMatch(),
        qPrintable(reason));
  }

 private:
  // Runs a long job on `daemon`, recorded in a store, calls `kill` with its worker's pid once it
  // trains, and returns the reason stored when the run is lost.
  QString reasonOfALostRun(const twb::test::NodeDaemon& daemon, const QString& name,
                           const std::function<void(int worker)>& kill) {
    ExperimentStore store(m_dir.filePath(name + ".db"));
    const qint64 run = store.addRun({0,
                                     store.addProject(name),
                                     "mlp",
                                     "{}",
                                     "local",
                                     "",
                                     {},
                                     "fp32",
                                     0,
                                     {},
                                     {},
                                     {},
                                     {},
                                     {},
                                     {}});
    twb::remote::JobDispatcher dispatcher(std::make_shared<twb::remote::DirectNode>(daemon.address()));
    twb::app::RunRecorder recorder(store, dispatcher, run);
    QSignalSpy submitted(&dispatcher, &twb::remote::JobDispatcher::submitted);
    QSignalSpy finished(&dispatcher, &twb::remote::JobDispatcher::jobFinished);
    QFile example(TWB_SOURCE_DIR "/resources/examples/fmnist-mlp.json");
    if (!example.open(QIODevice::ReadOnly)) return "cannot read " + example.fileName();
    auto job = QJsonDocument::fromJson(example.readAll()).object();
    job["max_steps"] = 100000;
    dispatcher.submit(twb::remote::TrainingRequest(QJsonDocument(job).toJson()));
    if (!submitted.wait(twb::test::timeScaled(30000))) return "not submitted";
    const QString jobFolder = daemon.dataDir() + "/jobs/" + submitted.front().front().toString();
    if (!QTest::qWaitFor([&] { return store.lastSeq(run) >= 3; }, twb::test::timeScaled(60000)))
      return "the run did not train";
    QFile status(jobFolder + "/status.json");
    if (!status.open(QIODevice::ReadOnly)) return "no " + status.fileName();
    kill(QJsonDocument::fromJson(status.readAll()).object().value("pid").toInt());
    if (!QTest::qWaitFor([&] { return !finished.isEmpty(); }, twb::test::timeScaled(30000)))
      return "the run did not end";
    if (store.run(run).state != RunState::Lost) return "the run was not lost";
    return store.run(run).reason;
  }
};

QTEST_GUILESS_MAIN(ExperimentStoreTest)
#include "tst_experiment_store.moc"
