// Remote nodes end to end: a real sshd started by the test (on loopback, or in network namespaces
// it makes), the real engine bundle deployed over SFTP, the daemon started through SSH and gRPC
// carried through the SSH connection.
#include <signal.h>
#include <unistd.h>

#include <QDir>
#include <QFile>
#include <QJsonDocument>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QtTest>
#include <mutex>

#include "remote/engine_bundle.h"
#include "remote/engine_deployer.h"
#include "remote/job_dispatcher.h"
#include "remote/local_node.h"
#include "remote/multi_node_dispatcher.h"
#include "remote/node_registry.h"
#include "remote/remote_error.h"
#include "remote/remote_node.h"
#include "remote/ssh_session.h"
#include "namespace_hosts.h"
#include "ssh_server.h"

using namespace twb::remote;
using twb::test::NamespaceHosts;
using twb::test::runCommand;
using twb::test::SshServer;

namespace {
QByteArray readAll(const QString& path) {
  QFile file(path);
  return file.open(QIODevice::ReadOnly) ? file.readAll() : QByteArray();
}

QString shortJob(int maxSteps, int logEvery) {
  auto job = QJsonDocument::fromJson(readAll(TWB_SOURCE_DIR "/resources/examples/fmnist-mlp.json")).object();
  job["epochs"] = 0;
  job["max_steps"] = maxSteps;
  job["log_every_steps"] = logEvery;
  job["eval"] = QJsonObject{{"every_epoch", false}};
  return QString::fromUtf8(QJsonDocument(job).toJson());
}

// Everything a dispatcher reported about its one job.
struct Followed {
  QString jobId, state, failure;
  QList<qint64> seqs;
  int lost = 0, reconnected = 0;
  bool done() const { return !state.isEmpty() || !failure.isEmpty(); }
  bool complete() const {
    for (int i = 0; i < seqs.size(); ++i)
      if (seqs[i] != i + 1) return false;
    return !seqs.isEmpty();
  }
};

void attach(JobDispatcher& dispatcher, Followed& followed, QObject* context) {
  QObject::connect(&dispatcher, &JobDispatcher::submitted, context,
                   [&](const QString& id) { followed.jobId = id; });
  QObject::connect(&dispatcher, &JobDispatcher::eventReceived, context,
                   [&](const QString&, qint64 seq, const QString&, const QByteArray&) {
                     followed.seqs << seq;
                   });
  QObject::connect(&dispatcher, &JobDispatcher::jobFinished, context,
                   [&](const QString&, twb::remote::JobState state) { followed.state = twb::remote::jobStateName(state); });
  QObject::connect(&dispatcher, &JobDispatcher::failed, context,
                   [&](const QString&, const QString& message) { followed.failure = message; });
  QObject::connect(&dispatcher, &JobDispatcher::connectionLost, context,
                   [&](const QString&, const QString&, int, int) { ++followed.lost; });
  QObject::connect(&dispatcher, &JobDispatcher::reconnected, context,
                   [&](const QString&, qint64) { ++followed.reconnected; });
}

// A data-parallel job across `nodes` (named as the hosts are), one rank per node, one thread each.
QString dataParallelJob(const QStringList& nodes, int maxSteps, const QJsonObject& extra = {}) {
  auto job = QJsonDocument::fromJson(shortJob(maxSteps, 10).toUtf8()).object();
  job["threads"] = 1;
  job["checkpoint"] = QJsonObject{{"every_steps", 50}};
  QJsonObject parallel{{"strategy", "data"}, {"nodes", QJsonArray::fromStringList(nodes)},
                       {"ranks_per_node", 1}};
  for (auto it = extra.begin(); it != extra.end(); ++it) parallel[it.key()] = it.value();
  job["parallel"] = parallel;
  return QString::fromUtf8(QJsonDocument(job).toJson());
}

// Everything a multi-node dispatcher reported.
struct FollowedAcrossNodes {
  QString state, reason, refusal;
  QMap<int, QString> jobIds;
  QMap<int, QList<qint64>> seqs;
  QMap<int, QList<QJsonObject>> steps;
  QElapsedTimer sinceLastEvent;
  bool done() const { return !state.isEmpty() || !refusal.isEmpty(); }
  bool complete(int node) const {
    const QList<qint64>& s = seqs.value(node);
    for (int i = 0; i < s.size(); ++i)
      if (s[i] != i + 1) return false;
    return !s.isEmpty();
  }
};

void attach(MultiNodeDispatcher& dispatcher, FollowedAcrossNodes& followed, QObject* context) {
  QObject::connect(&dispatcher, &MultiNodeDispatcher::submitted, context,
                   [&](int node, const QString& id) { followed.jobIds[node] = id; });
  QObject::connect(&dispatcher, &MultiNodeDispatcher::eventReceived, context,
                   [&](int node, const QString&, qint64 seq, const QString& type, const QByteArray& json) {
                     followed.seqs[node] << seq;
                     if (type == "step") followed.steps[node] << QJsonDocument::fromJson(json).object();
                   });
  QObject::connect(&dispatcher, &MultiNodeDispatcher::finished, context,
                   [&](twb::remote::JobState state, const QString& reason) {
                     followed.state = twb::remote::jobStateName(state);
                     followed.reason = reason;
                   });
  QObject::connect(&dispatcher, &MultiNodeDispatcher::refused, context,
                   [&](const QString& message) { followed.refusal = message; });
}

// Processes of the engine whose command line contains `text`.
QList<int> engineProcesses(const QString& text) {
  QList<int> pids;
  for (const QString& entry : QDir("/proc").entryList(QDir::Dirs)) {
    bool numeric = false;
    const int pid = entry.toInt(&numeric);
    if (!numeric || pid == ::getpid()) continue;
    const QByteArray cmdline = readAll("/proc/" + entry + "/cmdline").replace('\0', ' ');
    if (cmdline.contains("twb-engine") && cmdline.contains(text.toUtf8())) pids << pid;
  }
  return pids;
}

// Daemons and workers started on a "remote" node are local processes here: stop them.
void stopNodeProcesses(const QString& base) {
  const auto daemon = QJsonDocument::fromJson(readAll(base + "/node/daemon.json")).object();
  if (daemon.contains("pid")) ::kill(daemon.value("pid").toInt(), SIGKILL);
  for (const QString& id : QDir(base + "/node/jobs").entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    const auto status = QJsonDocument::fromJson(readAll(base + "/node/jobs/" + id + "/status.json")).object();
    if (status.value("state").toString() == "running") ::kill(status.value("pid").toInt(), SIGKILL);
  }
}
}  // namespace

class RemoteNodeTest : public QObject {
  Q_OBJECT

  QTemporaryDir m_work;
  QString m_bundle;
  // Asked from the dispatchers' threads (two at once when two nodes connect): written under a lock.
  std::mutex m_promptMutex;
  int m_prompts = 0;
  QString m_promptedFingerprint;

  SshSession::Options sshOptions() const {
    return {m_work.filePath("known_hosts"), m_work.filePath("user_known_hosts"), 10};
  }
  SshPrompts acceptingPrompts(bool accept) {
    SshPrompts prompts;
    prompts.acceptUnknownHost = [this, accept](const QString&, const QString&, const QString& fp) {
      const std::lock_guard lock(m_promptMutex);
      ++m_prompts;
      m_promptedFingerprint = fp;
      return accept;
    };
    return prompts;
  }
  RemoteNode::Options nodeOptions(const SshServer& server, const QString& base) {
    RemoteNode::Options options;
    options.target = {server.host(), server.port(), "root", server.clientKey()};
    options.ssh = sshOptions();
    options.prompts = acceptingPrompts(true);
    options.bundlePath = m_bundle;
    options.remoteBase = base;
    return options;
  }

 private slots:
  void initTestCase() {
    if (::geteuid() != 0) QSKIP("needs root: sshd, network namespaces (CI runs as root)");
    QString output;
    QCOMPARE(runCommand(TWB_SOURCE_DIR "/packaging/make-engine-bundle.sh",
                        {TWB_ENGINE_BINARY, m_work.filePath("bundle")}, &output), 0);
    m_bundle = output.trimmed().split('\n').last();
    QVERIFY2(QFile::exists(m_bundle), qPrintable(output));
  }

  void init() {
    QFile::remove(m_work.filePath("known_hosts"));
    m_prompts = 0;
  }

  void unknownHostIsAskedOnceAndSavedOnlyIfAccepted() {
    SshServer server(m_work.filePath("ssh-unknown"));
    QVERIFY2(server.start(), qPrintable(server.error()));
    const SshTarget target{server.host(), server.port(), "root", server.clientKey()};

    SshSession rejected(target, sshOptions(), acceptingPrompts(false));
    try {
      rejected.connect();
      QFAIL("connected to a host whose key was rejected");
    } catch (const RemoteError& e) {
      QVERIFY2(QString(e.what()).contains("was not accepted; not connected"), e.what());
    }
    QCOMPARE(m_prompts, 1);
    QCOMPARE(m_promptedFingerprint, server.hostKeyFingerprint());
    QVERIFY(!readAll(m_work.filePath("known_hosts")).contains(server.host().toUtf8()));

    SshSession accepted(target, sshOptions(), acceptingPrompts(true));
    accepted.connect();
    QCOMPARE(m_prompts, 2);
    QCOMPARE(accepted.run("echo hello").out, QByteArray("hello\n"));
    QVERIFY(readAll(m_work.filePath("known_hosts")).contains("ssh-ed25519"));

    SshSession again(target, sshOptions(), acceptingPrompts(true));
    again.connect();
    QCOMPARE(m_prompts, 2);  // known now: nothing asked
  }

  void changedHostKeyIsRefused() {
    SshServer server(m_work.filePath("ssh-changed"));
    QVERIFY2(server.start(), qPrintable(server.error()));
    const SshTarget target{server.host(), server.port(), "root", server.clientKey()};
    SshSession(target, sshOptions(), acceptingPrompts(true)).connect();
    server.stop();
    server.replaceHostKey();
    QVERIFY2(server.start(), qPrintable(server.error()));
    SshSession session(target, sshOptions(), acceptingPrompts(true));
    try {
      session.connect();
      QFAIL("connected although the host key changed");
    } catch (const RemoteError& e) {
      QVERIFY2(QString(e.what()).contains("Someone may be intercepting this connection"), e.what());
      QVERIFY2(QString(e.what()).contains(server.hostKeyFingerprint()), e.what());
      QVERIFY(!e.retryable());
    }
    QCOMPARE(m_prompts, 1);  // the changed key is never offered for acceptance
  }

  void wrongUserKeyNamesTheOfferedMethods() {
    SshServer server(m_work.filePath("ssh-wrongkey"));
    QVERIFY2(server.start(), qPrintable(server.error()));
    const QString stranger = m_work.filePath("stranger_ed25519");
    QCOMPARE(runCommand("ssh-keygen", {"-q", "-t", "ed25519", "-N", "", "-f", stranger}), 0);
    SshSession session({server.host(), server.port(), "root", stranger}, sshOptions(),
                       acceptingPrompts(true));
    try {
      session.connect();
      QFAIL("logged in with a key the server does not know");
    } catch (const RemoteError& e) {
      QVERIFY2(QString(e.what()).contains("authentication failed: the server offered publickey; "
                                          "tried key " + stranger + " (rejected)"),
               e.what());
    }
  }

  void freshNodeDeploysRunsAndReusesTheBundle() {
    SshServer server(m_work.filePath("ssh-fresh"));
    QVERIFY2(server.start(), qPrintable(server.error()));
    const QString base = m_work.filePath("node-fresh");
    auto node = std::make_shared<RemoteNode>(nodeOptions(server, base));
    Followed first;
    {
      JobDispatcher dispatcher(node);
      attach(dispatcher, first, this);
      dispatcher.submit(twb::remote::TrainingRequest{QString::fromUtf8(readAll(TWB_SOURCE_DIR "/resources/examples/fmnist-mlp.json"))});
      QTRY_VERIFY_WITH_TIMEOUT(first.done(), 240000);
    }
    QVERIFY2(first.failure.isEmpty(), qPrintable(first.failure));
    QCOMPARE(first.state, QString("succeeded"));
    QVERIFY(first.complete());
    const QList<QByteArray> logged =
        readAll(base + "/node/jobs/" + first.jobId + "/events.jsonl").split('\n');
    QCOMPARE(first.seqs.size(), logged.size() - 1);  // every event of the node's log arrived
    QVERIFY(node->lastDeployment().uploaded);
    QVERIFY(node->lastDeployment().daemonStarted);

    // A second submission over a new connection finds the bundle and the daemon in place.
    auto again = std::make_shared<RemoteNode>(nodeOptions(server, base));
    Followed second;
    {
      JobDispatcher dispatcher(again);
      attach(dispatcher, second, this);
      dispatcher.submit(twb::remote::TrainingRequest{shortJob(30, 10)});
      QTRY_VERIFY_WITH_TIMEOUT(second.done(), 60000);
    }
    QCOMPARE(second.state, QString("succeeded"));
    QVERIFY(second.complete());
    QVERIFY(!again->lastDeployment().uploaded);
    QVERIFY(!again->lastDeployment().daemonStarted);
    stopNodeProcesses(base);
  }

  void cutUploadLeavesNoUsableEngine() {
    SshServer server(m_work.filePath("ssh-cut"));
    QVERIFY2(server.start(), qPrintable(server.error()));
    const QString base = m_work.filePath("node-cut");
    const EngineBundle bundle = EngineBundle::open(m_bundle);
    const QString installed = base + "/engine/" + bundle.name;
    {
      SshSession session({server.host(), server.port(), "root", server.clientKey()}, sshOptions(),
                         acceptingPrompts(true));
      session.connect();
      try {
        EngineDeployer(session, bundle, base).deploy([](qint64 done, qint64 total) {
          return done < total / 2;  // the connection "drops" half-way
        });
        QFAIL("the cut upload was reported as done");
      } catch (const RemoteError& e) {
        QVERIFY2(QString(e.what()).contains("cancelled"), e.what());
      }
    }
    QVERIFY(!QFile::exists(installed));
    QVERIFY(!QFile::exists(installed + "/bin/twb-engine"));
    QCOMPARE(QDir(base + "/engine").entryList({"*.part-*"}).size(), 1);  // the cut leftover

    SshSession session({server.host(), server.port(), "root", server.clientKey()}, sshOptions(),
                       acceptingPrompts(true));
    session.connect();
    const DeployedEngine engine = EngineDeployer(session, bundle, base).deploy();
    QVERIFY(engine.uploaded);
    QVERIFY(QFile::exists(installed + "/bin/twb-engine"));
    QCOMPARE(QDir(base + "/engine").entryList({"*.part-*", ".*.unpack-*"}, QDir::AllEntries | QDir::Hidden).size(), 0);
    QCOMPARE(session.run("cd " + shellQuote(installed) + " && sha256sum --quiet -c SHA256SUMS").exitStatus, 0);
    stopNodeProcesses(base);
  }

  void killedSshConnectionResumesWithoutGapOrDuplicate() {
    SshServer server(m_work.filePath("ssh-kill"));
    QVERIFY2(server.start(), qPrintable(server.error()));
    const QString base = m_work.filePath("node-kill");
    auto node = std::make_shared<RemoteNode>(nodeOptions(server, base));
    Followed followed;
    JobDispatcher dispatcher(node);
    attach(dispatcher, followed, this);
    dispatcher.submit(twb::remote::TrainingRequest{shortJob(2000, 2)});
    QTRY_VERIFY_WITH_TIMEOUT(followed.seqs.size() >= 20, 120000);
    QVERIFY(server.killSessions() > 0);  // the sshd child serving the tunnel dies mid-job
    QTRY_VERIFY_WITH_TIMEOUT(followed.done(), 120000);
    QVERIFY2(followed.failure.isEmpty(), qPrintable(followed.failure));
    QCOMPARE(followed.state, QString("succeeded"));
    QVERIFY(followed.lost >= 1);
    QVERIFY(followed.reconnected >= 1);
    QVERIFY2(followed.complete(), "the delivered sequence has a gap or a duplicate");
    const QList<QByteArray> logged =
        readAll(base + "/node/jobs/" + followed.jobId + "/events.jsonl").split('\n');
    QCOMPARE(followed.seqs.size(), logged.size() - 1);
    stopNodeProcesses(base);
  }

  void twoNodesInNetworkNamespaces() {
    struct Namespace {
      QString name, hostIp, nodeIp;
      Namespace(const QString& n, int subnet)
          : name(n), hostIp(QString("10.77.%1.1").arg(subnet)), nodeIp(QString("10.77.%1.2").arg(subnet)) {
        runCommand("ip", {"netns", "del", name});
        runCommand("ip", {"link", "del", name + "h"});
        runCommand("ip", {"netns", "add", name});
        runCommand("ip", {"link", "add", name + "h", "type", "veth", "peer", "name", name + "n"});
        runCommand("ip", {"link", "set", name + "n", "netns", name});
        runCommand("ip", {"addr", "add", hostIp + "/24", "dev", name + "h"});
        runCommand("ip", {"link", "set", name + "h", "up"});
        runCommand("ip", {"netns", "exec", name, "ip", "addr", "add", nodeIp + "/24", "dev", name + "n"});
        runCommand("ip", {"netns", "exec", name, "ip", "link", "set", name + "n", "up"});
        runCommand("ip", {"netns", "exec", name, "ip", "link", "set", "lo", "up"});
      }
      ~Namespace() {
        runCommand("ip", {"link", "del", name + "h"});
        runCommand("ip", {"netns", "del", name});
      }
    };
    Namespace a("twbtestA", 1), b("twbtestB", 2);
    SshServer serverA(m_work.filePath("ssh-nsA"), a.nodeIp, a.name);
    SshServer serverB(m_work.filePath("ssh-nsB"), b.nodeIp, b.name);
    QVERIFY2(serverA.start(), qPrintable(serverA.error()));
    QVERIFY2(serverB.start(), qPrintable(serverB.error()));
    const QString baseA = m_work.filePath("node-nsA"), baseB = m_work.filePath("node-nsB");
    Followed onA, onB;
    {
      JobDispatcher dispatcherA(std::make_shared<RemoteNode>(nodeOptions(serverA, baseA)));
      JobDispatcher dispatcherB(std::make_shared<RemoteNode>(nodeOptions(serverB, baseB)));
      attach(dispatcherA, onA, this);
      attach(dispatcherB, onB, this);
      dispatcherA.submit(twb::remote::TrainingRequest{shortJob(200, 10)});
      dispatcherB.submit(twb::remote::TrainingRequest{shortJob(200, 10)});
      QTRY_VERIFY_WITH_TIMEOUT(onA.done() && onB.done(), 240000);
    }
    QVERIFY2(onA.failure.isEmpty(), qPrintable(onA.failure));
    QVERIFY2(onB.failure.isEmpty(), qPrintable(onB.failure));
    QCOMPARE(onA.state, QString("succeeded"));
    QCOMPARE(onB.state, QString("succeeded"));
    QVERIFY(onA.complete() && onB.complete());
    stopNodeProcesses(baseA);
    stopNodeProcesses(baseB);
  }

  // Three hosts of one cluster: network namespaces on a bridge, links shaped by tc, each host
  // with its own sshd and its own copy of the engine deployed by the dispatcher.
  void dataParallelJobAcrossThreeNamespaceHosts() {
    NamespaceHosts hosts("twbdp", 3);
    QVERIFY2(hosts.error().isEmpty(), qPrintable(hosts.error()));
    struct StopNodes {  // also when a check fails half-way
      RemoteNodeTest* test;
      ~StopNodes() {
        for (int i = 0; i < 3; ++i) stopNodeProcesses(test->m_work.filePath("node-dp" + QString::number(i)));
      }
    } stopNodes{this};
    std::vector<std::unique_ptr<SshServer>> servers;
    std::vector<JobNode> nodes;
    QStringList names;
    for (int i = 0; i < 3; ++i) {
      servers.push_back(std::make_unique<SshServer>(m_work.filePath("ssh-dp" + QString::number(i)),
                                                    hosts.address(i), hosts.name(i)));
      QVERIFY2(servers.back()->start(), qPrintable(servers.back()->error()));
      nodes.push_back({hosts.name(i), std::make_shared<RemoteNode>(nodeOptions(
                                          *servers.back(), m_work.filePath("node-dp" + QString::number(i))))});
      names << hosts.name(i);
    }

    // Bad input is refused before any rank starts, naming the node and the field.
    {
      MultiNodeDispatcher dispatcher(nodes);
      FollowedAcrossNodes followed;
      attach(dispatcher, followed, this);
      dispatcher.submit(dataParallelJob(names, 30, {{"interface", "twbnosuch0"}}));
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), 240000);  // deploys the bundle on every host
      QVERIFY2(followed.refusal.contains("node twbdp1 (root@10.78.0.3:22): parallel.interface: "
                                         "this host has no network interface 'twbnosuch0'"),
               qPrintable(followed.refusal));
      QVERIFY(followed.jobIds.isEmpty());
    }
    {
      std::vector<JobNode> withUnreachable = nodes;
      RemoteNode::Options gone = nodeOptions(*servers[2], m_work.filePath("node-gone"));
      gone.target.host = "10.78.0.66";  // on the bridge's subnet, but nobody is there
      withUnreachable[2] = {"gone", std::make_shared<RemoteNode>(gone)};
      MultiNodeDispatcher dispatcher(withUnreachable);
      FollowedAcrossNodes followed;
      attach(dispatcher, followed, this);
      dispatcher.submit(dataParallelJob({names[0], names[1], "gone"}, 30));
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), 60000);
      QVERIFY2(followed.refusal.startsWith("node gone (root@10.78.0.66:22): "),
               qPrintable(followed.refusal));
      QVERIFY(followed.jobIds.isEmpty());
    }

    // The job runs across the three hosts; every node's events arrive once, in order.
    {
      MultiNodeDispatcher dispatcher(nodes);
      FollowedAcrossNodes followed;
      attach(dispatcher, followed, this);
      dispatcher.submit(dataParallelJob(names, 60));
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), 240000);
      QVERIFY2(followed.refusal.isEmpty(), qPrintable(followed.refusal));
      QCOMPARE(followed.state, QString("succeeded"));
      for (int node = 0; node < 3; ++node) {
        QVERIFY2(followed.complete(node), qPrintable("node " + QString::number(node)));
        QCOMPARE(followed.seqs[node].size(),
                 readAll(m_work.filePath("node-dp" + QString::number(node)) + "/node/jobs/" +
                         followed.jobIds[node] + "/events.jsonl").count('\n'));
      }
      const QJsonObject lastStep = followed.steps[0].last();
      QCOMPARE(lastStep.value("step").toInt(), 60);
      QCOMPARE(lastStep.value("ranks").toArray().size(), 3);
      QVERIFY(lastStep.value("bytes_sent").toDouble() > 0);
      // Every rank computed the same global loss.
      QCOMPARE(followed.steps[2].last().value("loss").toDouble(), lastStep.value("loss").toDouble());
      QVERIFY(engineProcesses("--rendezvous 10.78.0.2").isEmpty());
    }

    // kill -9 of rank 1 (on the second host) mid-job: the job fails within 10 s naming the rank
    // and its node, and no rank is left running on any host. Resubmitted with resume, it goes on
    // from the first host's last checkpoint, which rank 0 sends to the other hosts' ranks.
    const QString longJob = dataParallelJob(names, 400);
    QString killedJob;
    {
      MultiNodeDispatcher dispatcher(nodes);
      FollowedAcrossNodes followed;
      attach(dispatcher, followed, this);
      dispatcher.submit(longJob);
      QTRY_VERIFY_WITH_TIMEOUT(!followed.steps[0].isEmpty() &&
                                   followed.steps[0].last().value("step").toInt() >= 60,
                               240000);  // past the checkpoint of step 50
      const QList<int> rank1 = engineProcesses("--rank 1 --rendezvous 10.78.0.2");
      QCOMPARE(rank1.size(), 1);
      QElapsedTimer sinceKill;
      sinceKill.start();
      ::kill(rank1.front(), SIGKILL);
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), 30000);
      QVERIFY2(sinceKill.elapsed() < 10000, qPrintable(QString::number(sinceKill.elapsed())));
      QCOMPARE(followed.state, QString("failed"));
      QVERIFY2(followed.reason.contains("twbdp1: data parallel: rank 1 (pid " +
                                        QString::number(rank1.front()) + ") was killed by signal 9"),
               qPrintable(followed.reason));
      QTRY_VERIFY_WITH_TIMEOUT(engineProcesses("--rendezvous 10.78.0.2").isEmpty(), 5000);
      killedJob = followed.jobIds[0];
    }
    {
      MultiNodeDispatcher dispatcher(nodes);
      FollowedAcrossNodes followed;
      attach(dispatcher, followed, this);
      dispatcher.submit(longJob, killedJob);
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), 240000);
      QVERIFY2(followed.refusal.isEmpty() && followed.state == "succeeded",
               qPrintable(followed.refusal + followed.reason));
      for (int node = 0; node < 3; ++node) {
        QVERIFY(followed.steps[node].first().value("step").toInt() > 50);  // not from the start
        QCOMPARE(followed.steps[node].last().value("step").toInt(), 400);
      }
      // The other hosts' ranks loaded rank 0's checkpoint, sent to them.
      QVERIFY(QFile::exists(m_work.filePath("node-dp2") + "/node/jobs/" + followed.jobIds[2] +
                            "/out/resume-point-rank-2.twbc"));
    }

    // Cancelled by the user: every host's share stops (at the same step, checkpointed), and
    // the job ends cancelled, with no rank left.
    {
      MultiNodeDispatcher dispatcher(nodes);
      FollowedAcrossNodes followed;
      attach(dispatcher, followed, this);
      dispatcher.submit(dataParallelJob(names, 100000));
      QTRY_VERIFY_WITH_TIMEOUT(followed.steps[0].size() >= 2, 240000);
      dispatcher.cancel();
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), 30000);
      QCOMPARE(followed.state, QString("cancelled"));
      QVERIFY2(followed.reason.isEmpty(), qPrintable(followed.reason));
      QTRY_VERIFY_WITH_TIMEOUT(engineProcesses("--rendezvous 10.78.0.2").isEmpty(), 5000);
    }
  }

  void localNodeNeedsNoSetup() {
    auto node = std::make_shared<LocalNode>(TWB_ENGINE_BINARY, m_work.filePath("local-data"));
    Followed followed;
    {
      JobDispatcher dispatcher(node);
      attach(dispatcher, followed, this);
      dispatcher.submit(twb::remote::TrainingRequest{shortJob(30, 10)});
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), 60000);
    }
    QCOMPARE(followed.state, QString("succeeded"));
    QVERIFY(followed.complete());
  }

  void registryKeepsNodesAndTheirHealth() {
    const QString path = m_work.filePath("nodes.json");
    SshServer server(m_work.filePath("ssh-registry"));
    QVERIFY2(server.start(), qPrintable(server.error()));
    {
      NodeRegistry registry(path);
      NodeEntry entry;
      entry.name = "lab";
      entry.target = {server.host(), server.port(), "root", server.clientKey()};
      entry.labels = {"cpu", "avx512"};
      registry.upsert(entry);
      NodeEntry bad = entry;
      bad.target.port = 70000;
      bool refused = false;
      try {
        registry.upsert(bad);
      } catch (const RemoteError& e) {
        refused = QString(e.what()).contains("port: 70000 is outside 1-65535");
      }
      QVERIFY(refused);
      RemoteNode node(nodeOptions(server, m_work.filePath("node-registry")));
      const NodeEntry checked = registry.checkHealth("lab", node);
      QCOMPARE(checked.health, QString("ok"));
      QCOMPARE(checked.info.value("protocol").toString(), QString("twb.node.v1"));
    }
    NodeRegistry reloaded(path);
    const auto lab = reloaded.find("lab");
    QVERIFY(lab.has_value());
    QCOMPARE(lab->labels, QStringList({"cpu", "avx512"}));
    QCOMPARE(lab->info.value("protocol").toString(), QString("twb.node.v1"));
    QVERIFY(lab->checkedAt.isValid());
    stopNodeProcesses(m_work.filePath("node-registry"));

    QFile broken(m_work.filePath("broken.json"));
    broken.open(QIODevice::WriteOnly);
    broken.write("{\"nodes\": [{\"name\": \"x\", \"host\": \"\"}]}");
    broken.close();
    try {
      NodeRegistry bad(broken.fileName());
      QFAIL("a node without a host was loaded");
    } catch (const RemoteError& e) {
      QVERIFY2(QString(e.what()).contains("nodes[0]: host: required"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(RemoteNodeTest)
#include "tst_remote_node.moc"
