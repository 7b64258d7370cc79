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

#include "namespace_hosts.h"
#include "remote/engine_bundle.h"
#include "remote/engine_deployer.h"
#include "remote/job_dispatcher.h"
#include "remote/local_node.h"
#include "remote/multi_node_dispatcher.h"
#include "remote/node_registry.h"
#include "remote/remote_error.h"
#include "remote/remote_node.h"
#include "remote/ssh_session.h"
#include "ssh_server.h"
#include "test_support.h"

using namespace twb::remote;
using twb::test::makeEngineBundle;
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
QString dataParallelJob(const QStringList& nodes, int maxSteps, const QJsonObject& extra = {},
                        int logEvery = 10) {
  auto job = QJsonDocument::fromJson(shortJob(maxSteps, logEvery).toUtf8()).object();
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

  // The test's own known_hosts files and ssh config (none unless a test writes it).
  SshSession::Options sshOptions() const {
    return {m_work.filePath("known_hosts"), m_work.filePath("user_known_hosts"), 10,
            m_work.filePath("ssh_config")};
  }
  void writeSshConfig(const QString& text) {
    QFile config(m_work.filePath("ssh_config"));
    QVERIFY(config.open(QIODevice::WriteOnly | QIODevice::Truncate));
    config.write(text.toUtf8());
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
    m_bundle = makeEngineBundle(m_work.filePath("bundle"), &output);
    QVERIFY2(QFile::exists(m_bundle), qPrintable(output));
  }

  void init() {
    QFile::remove(m_work.filePath("known_hosts"));
    QFile::remove(m_work.filePath("ssh_config"));
    m_prompts = 0;
  }

  // A node entry naming only a Host alias: ~/.ssh/config supplies HostName, User, Port and the
  // key (IdentitiesOnly: not the agent's).
  void hostAliasTakesUserPortAndKeyFromTheSshConfig() {
    SshServer server(m_work.filePath("ssh-alias"));
    QVERIFY2(server.start(), qPrintable(server.error()));
    writeSshConfig(QString("Host lab-*\n  User nobody-else\nHost lab-gpu\n  HostName %1\n"
                           "  Port %2\n  IdentityFile %3\n  IdentitiesOnly yes\nHost *\n"
                           "  User root\n  ServerAliveInterval 5\n")
                       .arg(server.host())
                       .arg(server.port())
                       .arg(server.clientKey()));
    SshSession session({"lab-gpu", 22, "root", ""}, sshOptions(), acceptingPrompts(true));
    session.connect();
    QCOMPARE(session.run("echo aliased").out, QByteArray("aliased\n"));
    QCOMPARE(session.resolved().host, server.host());
    QCOMPARE(session.resolved().port, server.port());
    QCOMPARE(m_promptedFingerprint, server.hostKeyFingerprint());
    // A node entry naming the alias: the other nodes of a job reach it at its HostName.
    RemoteNode::Options options = nodeOptions(server, m_work.filePath("alias-node"));
    options.target = {"lab-gpu", 22, "root", ""};
    RemoteNode node(options);
    QCOMPARE(node.networkHost(), QString("lab-gpu"));  // not connected yet: the name as given
    node.connect();
    QCOMPARE(node.networkHost(), server.host());
    stopNodeProcesses(m_work.filePath("alias-node"));

    // The config's User applies when the entry names none: "nobody-else" is refused.
    SshSession configUser({"lab-gpu", 22, "", ""}, sshOptions(), acceptingPrompts(true));
    try {
      configUser.connect();
      QFAIL("logged in as a user the server does not have");
    } catch (const RemoteError& e) {
      QCOMPARE(configUser.resolved().user, QString("nobody-else"));
      QVERIFY2(QString(e.what()).contains("authentication failed"), e.what());
    }
  }

  // A node reachable only from its bastion's network (sshd on the loopback of the bastion's
  // namespace), reached with ProxyJump from the ssh config; both host keys are checked, and a
  // changed bastion key stops the connection.
  void proxyJumpReachesANodeOnlyTheBastionSees() {
    const NamespaceHosts hosts("twbjump", 1);
    QVERIFY2(hosts.error().isEmpty(), qPrintable(hosts.error()));
    SshServer bastion(m_work.filePath("ssh-bastion"), hosts.address(0), hosts.name(0));
    SshServer hidden(m_work.filePath("ssh-hidden"), "127.0.0.1", hosts.name(0));
    QVERIFY2(bastion.start(), qPrintable(bastion.error()));
    QVERIFY2(hidden.start(), qPrintable(hidden.error()));
    writeSshConfig(QString("Host gw\n  HostName %1\n  User root\n  IdentityFile %2\n"
                           "Host inner\n  HostName 127.0.0.1\n  User root\n  IdentityFile %3\n"
                           "  ProxyJump gw\n")
                       .arg(hosts.address(0), bastion.clientKey(), hidden.clientKey()));
    QStringList asked;
    SshPrompts prompts;
    prompts.acceptUnknownHost = [&](const QString& host, const QString&, const QString& key) {
      asked << host + " " + key;
      return true;
    };
    {
      SshSession session({"inner", 22, "", ""}, sshOptions(), prompts);
      session.connect();
      // The sshd answering is the namespace's: its interfaces hold the bastion's address.
      const QByteArray addresses = session.run("ip -o -4 addr show").out;
      QVERIFY2(addresses.contains(hosts.address(0).toUtf8()), addresses.constData());
      QCOMPARE(session.run("head -c 3000000 /dev/zero | wc -c").out, QByteArray("3000000\n"));
    }
    QCOMPARE(asked, QStringList({hosts.address(0) + ":22 " + bastion.hostKeyFingerprint(),
                                 "127.0.0.1:22 " + hidden.hostKeyFingerprint()}));

    bastion.stop();
    bastion.replaceHostKey();
    QVERIFY2(bastion.start(), qPrintable(bastion.error()));
    SshSession refused({"inner", 22, "", ""}, sshOptions(), prompts);
    try {
      refused.connect();
      QFAIL("went through a jump host whose key changed");
    } catch (const RemoteError& e) {
      QVERIFY2(QString(e.what()).contains("through the jump host gw (root@" + hosts.address(0) + ":22)") &&
                   QString(e.what()).contains("WARNING: the host key has changed"),
               e.what());
      QVERIFY(!e.retryable());
    }
    QCOMPARE(asked.size(), 2);
  }

  // Two factors: the key, then a one-time code asked by the server's PAM stack and answered
  // through the keyboard-interactive prompt.
  void keyboardInteractiveCodeIsAnsweredThroughThePrompt() {
    SshServer server(m_work.filePath("ssh-2fa"));
    server.usePam(twb::test::oneTimeCodePam(m_work.path(), "424242"));
    server.prependConfig("AuthenticationMethods publickey,keyboard-interactive");
    QVERIFY2(server.start(), qPrintable(server.error()));
    const SshTarget target{server.host(), server.port(), "root", server.clientKey()};

    QList<twb::remote::SshQuestion> questions;
    QString who;
    const auto answering = [&](const QString& code) {
      SshPrompts prompts = acceptingPrompts(true);
      prompts.keyboardInteractive = [&, code](const QString& userAtHost, const QString&,
                                              const QList<twb::remote::SshQuestion>& asked) {
        who = userAtHost;
        questions = asked;
        return std::optional<QStringList>(QStringList(code));
      };
      return prompts;
    };
    SshSession session(target, sshOptions(), answering("424242"));
    try {
      session.connect();
      QCOMPARE(session.run("echo in").out, QByteArray("in\n"));
    } catch (const RemoteError& e) {
      QFAIL(e.what());
    }
    QCOMPARE(who, "root@" + server.host());
    QCOMPARE(questions.size(), 1);
    QVERIFY2(questions[0].text.contains("Password"), qPrintable(questions[0].text));
    QVERIFY(!questions[0].echo);

    SshSession wrong(target, sshOptions(), answering("000000"));
    try {
      wrong.connect();
      QFAIL("logged in with a wrong code");
    } catch (const RemoteError& e) {
      QVERIFY2(QString(e.what()).contains("keyboard-interactive (rejected)"), e.what());
    }
    SshSession withoutPrompt(target, sshOptions(), acceptingPrompts(true));
    try {
      withoutPrompt.connect();
      QFAIL("logged in with the key alone");
    } catch (const RemoteError& e) {
      QVERIFY2(QString(e.what()).contains("authentication failed"), e.what());
    }
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
      dispatcher.submit(twb::remote::TrainingRequest{shortJob(200, 10)});
      QTRY_VERIFY_WITH_TIMEOUT(first.done(), twb::test::timeScaled(240000));
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
      QTRY_VERIFY_WITH_TIMEOUT(second.done(), twb::test::timeScaled(60000));
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
    QTRY_VERIFY_WITH_TIMEOUT(followed.seqs.size() >= 20, twb::test::timeScaled(120000));
    QVERIFY(server.killSessions() > 0);  // the sshd child serving the tunnel dies mid-job
    QTRY_VERIFY_WITH_TIMEOUT(followed.done(), twb::test::timeScaled(120000));
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
      QTRY_VERIFY_WITH_TIMEOUT(onA.done() && onB.done(), twb::test::timeScaled(240000));
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
    // Keepalives every second: a host cut off below is seen lost within seconds.
    writeSshConfig("Host 10.78.0.*\n  ServerAliveInterval 1\n");
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
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), twb::test::timeScaled(240000));  // deploys the bundle on every host
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
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), twb::test::timeScaled(60000));
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
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), twb::test::timeScaled(240000));
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
      const QList<int> rank2 = engineProcesses("--rank 2 --rendezvous 10.78.0.2");
      QCOMPARE(rank1.size(), 1);
      QCOMPARE(rank2.size(), 1);
      // Rank 2 stopped first, as a rank that hangs: it will not notice the kill, and only the
      // cancel at once of its node's share, when rank 1's share fails, ends it in time.
      ::kill(rank2.front(), SIGSTOP);
      QElapsedTimer sinceKill;
      sinceKill.start();
      ::kill(rank1.front(), SIGKILL);
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), twb::test::timeScaled(30000));
      QVERIFY2(sinceKill.elapsed() < 10000,
               qPrintable(QString::number(sinceKill.elapsed()) + " ms; " + followed.reason));
      QCOMPARE(followed.state, QString("failed"));
      QVERIFY2(followed.reason.contains("twbdp1: data parallel: rank 1 (pid " +
                                        QString::number(rank1.front()) + ") was killed by signal 9"),
               qPrintable(followed.reason));
      QTRY_VERIFY_WITH_TIMEOUT(engineProcesses("--rendezvous 10.78.0.2").isEmpty(), twb::test::timeScaled(5000));
      killedJob = followed.jobIds[0];
    }
    {
      MultiNodeDispatcher dispatcher(nodes);
      FollowedAcrossNodes followed;
      attach(dispatcher, followed, this);
      dispatcher.submit(longJob, killedJob);
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), twb::test::timeScaled(240000));
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

    // The third host cut off, every packet dropped: no connection breaks, but the other hosts'
    // ranks miss its heartbeats and stop within 10 s naming rank 2 and its address, and the job
    // ends failed without waiting for the host, whose connection the keepalives of
    // ServerAliveInterval find lost. Its own rank misses the others' heartbeats and stops too.
    // Fixed settings and rare step events: the cut must come while the ranks wait in a
    // reduction, which heartbeats wake (Gloo's own gathers of tuning and statistics are not).
    {
      MultiNodeDispatcher dispatcher(nodes);
      FollowedAcrossNodes followed;
      attach(dispatcher, followed, this);
      dispatcher.submit(
          dataParallelJob(names, 100000, {{"bucket_bytes", 262144}, {"streams", 1}}, 400));
      QTRY_VERIFY_WITH_TIMEOUT(followed.steps[0].size() >= 1, twb::test::timeScaled(240000));
      QElapsedTimer sinceCut;
      sinceCut.start();
      hosts.cutOff(2);
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), 15000);
      QVERIFY2(sinceCut.elapsed() < 10000, qPrintable(QString::number(sinceCut.elapsed())));
      QCOMPARE(followed.state, QString("failed"));
      QVERIFY2(followed.reason.contains("twbdp0: rank 0: rank 2 (10.78.0.4) has not answered a "
                                        "heartbeat for 3.0 s: it hangs, or the link to it is down"),
               qPrintable(followed.reason));
      QVERIFY2(followed.reason.contains("twbdp2: unreachable once another node's share had failed"),
               qPrintable(followed.reason));
      QVERIFY(engineProcesses("--rank 0 --rendezvous 10.78.0.2").isEmpty());
      QVERIFY(engineProcesses("--rank 1 --rendezvous 10.78.0.2").isEmpty());
      hosts.shape(2);
      QVERIFY2(hosts.error().isEmpty(), qPrintable(hosts.error()));
      QTRY_VERIFY_WITH_TIMEOUT(engineProcesses("--rendezvous 10.78.0.2").isEmpty(),
                               twb::test::timeScaled(5000));
    }

    // Cancelled by the user: every host's share stops (at the same step, checkpointed), and
    // the job ends cancelled, with no rank left.
    {
      MultiNodeDispatcher dispatcher(nodes);
      FollowedAcrossNodes followed;
      attach(dispatcher, followed, this);
      dispatcher.submit(dataParallelJob(names, 100000));
      QTRY_VERIFY_WITH_TIMEOUT(followed.steps[0].size() >= 2, twb::test::timeScaled(240000));
      dispatcher.cancel();
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), twb::test::timeScaled(30000));
      QCOMPARE(followed.state, QString("cancelled"));
      QVERIFY2(followed.reason.isEmpty(), qPrintable(followed.reason));
      QTRY_VERIFY_WITH_TIMEOUT(engineProcesses("--rendezvous 10.78.0.2").isEmpty(), twb::test::timeScaled(5000));
    }
  }

  // A node whose link drops every packet (no reset reaches either end, as when it is powered
  // off) is seen lost through the keepalives of ServerAliveInterval, rather than followed in
  // silence for ever; once the link is back, its job is followed to the end, every event once.
  void aNodeCutOffIsNoticedByItsKeepalives() {
    NamespaceHosts hosts("twbka", 1);
    QVERIFY2(hosts.error().isEmpty(), qPrintable(hosts.error()));
    SshServer server(m_work.filePath("ssh-ka"), hosts.address(0), hosts.name(0));
    QVERIFY2(server.start(), qPrintable(server.error()));
    writeSshConfig("Host " + hosts.address(0) + "\n  ServerAliveInterval 1\n");
    const QString base = m_work.filePath("node-ka");
    Followed followed;
    {
      JobDispatcher dispatcher(std::make_shared<RemoteNode>(nodeOptions(server, base)));
      attach(dispatcher, followed, this);
      dispatcher.submit(twb::remote::TrainingRequest{shortJob(6000, 10)});
      QTRY_VERIFY_WITH_TIMEOUT(followed.seqs.size() >= 3, twb::test::timeScaled(240000));
      QElapsedTimer sinceCut;
      sinceCut.start();
      hosts.cutOff(0);
      QTRY_VERIFY_WITH_TIMEOUT(followed.lost >= 1, twb::test::timeScaled(20000));
      const qint64 noticedAfter = sinceCut.elapsed();
      hosts.shape(0);
      QVERIFY2(hosts.error().isEmpty(), qPrintable(hosts.error()));
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), twb::test::timeScaled(240000));
      QVERIFY2(noticedAfter < 10000, qPrintable(QString::number(noticedAfter)));
    }
    QVERIFY2(followed.failure.isEmpty(), qPrintable(followed.failure));
    QCOMPARE(followed.state, QString("succeeded"));
    QVERIFY(followed.reconnected >= 1);
    QVERIFY(followed.complete());
    QCOMPARE(followed.seqs.size(),
             readAll(base + "/node/jobs/" + followed.jobId + "/events.jsonl").count('\n'));
    stopNodeProcesses(base);
  }

  void localNodeNeedsNoSetup() {
    auto node = std::make_shared<LocalNode>(TWB_ENGINE_BINARY, m_work.filePath("local-data"));
    Followed followed;
    {
      JobDispatcher dispatcher(node);
      attach(dispatcher, followed, this);
      dispatcher.submit(twb::remote::TrainingRequest{shortJob(30, 10)});
      QTRY_VERIFY_WITH_TIMEOUT(followed.done(), twb::test::timeScaled(60000));
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
