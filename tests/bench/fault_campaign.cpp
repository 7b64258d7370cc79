// The fault campaign (docs/reliability.md): real runs on three nodes (the workbench's local node
// and two SSH nodes in network namespaces) while random faults hit them: kill -9 of a worker, a
// node daemon, the workbench process or sshd, and link cuts between the workbench and a
// namespace host (`ip link set down`, or tc's blackhole qdisc dropping every packet for a while).
// When the faults are over and every run has ended, each run must be in its node's true final
// state and the experiment store must hold every event its node logged, exactly once; no job may
// run on a node that the store does not know. Needs root. Prints a line per fault and a summary;
// exits 1 on any mismatch.
//   fault_campaign [--kills N] [--cuts N] [--seed N] [--minutes N] [--keep]
#include <signal.h>

#include <QCommandLineParser>
#include <QCoreApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QProcess>
#include <QTemporaryDir>
#include <QThread>
#include <cstdio>
#include <map>
#include <random>

#include "app/experiment_store.h"
#include "namespace_hosts.h"
#include "ssh_server.h"
#include "test_support.h"

using namespace twb;

namespace {

bool writeFile(const QString& path, const QByteArray& bytes) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly | QIODevice::Truncate) && file.write(bytes) == bytes.size();
}

bool alive(int pid) { return pid > 0 && ::kill(pid, 0) == 0; }

// Waits, keeping the QProcess of the workbench informed of its child's end.
void pause(int ms) {
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < ms) {
    QCoreApplication::processEvents(QEventLoop::AllEvents, 50);
    QThread::msleep(20);
  }
}

struct Node {
  QString name;    // as the workbench knows it
  QString folder;  // the node's daemon.json and jobs/
  int host = -1;   // its namespace host, -1: the local node
};

enum class Fault { Worker, Daemon, Workbench, Sshd, LinkDown, LinkDrop };
const char* faultName(Fault fault) {
  switch (fault) {
    case Fault::Worker:
      return "kill -9 worker";
    case Fault::Daemon:
      return "kill -9 daemon";
    case Fault::Workbench:
      return "kill -9 workbench";
    case Fault::Sshd:
      return "kill -9 sshd";
    case Fault::LinkDown:
      return "link down";
    case Fault::LinkDrop:
      return "link drops";
  }
  return "?";
}

class Campaign {
 public:
  Campaign(int kills, int cuts, unsigned seed, int minutes)
      : m_kills(kills), m_cuts(cuts), m_rng(seed), m_minutes(minutes), m_hosts("twbfc", 2) {}

  int run();
  void keep() { m_dir.setAutoRemove(false); }
  QString folder() const { return m_dir.path(); }

 private:
  bool setUp();
  bool startWorkbench();  // true: with a new run to start
  int runCount() const;   // in the store
  void killWorkbench();
  QString inject(Fault fault);  // what was hit; empty when there was nothing to hit
  QString cutLink(bool drop);
  bool settle();
  int verify();
  void stopNodes();

  QString data() const { return m_dir.filePath("data/TensorWorkbench/tensor-workbench"); }
  QString config() const { return m_dir.filePath("config/TensorWorkbench/tensor-workbench"); }
  QString store() const { return m_dir.filePath("experiments.db"); }
  int random(int below) { return std::uniform_int_distribution<int>(0, below - 1)(m_rng); }
  QList<int> runningWorkers();

  int m_kills, m_cuts;
  std::mt19937 m_rng;
  int m_minutes;
  QTemporaryDir m_dir;
  test::NamespaceHosts m_hosts;
  std::vector<std::unique_ptr<test::SshServer>> m_servers;
  std::vector<Node> m_nodes;
  QString m_bundle;
  std::unique_ptr<app::ExperimentStore> m_store;
  std::unique_ptr<QProcess> m_workbench;
  int m_workbenchStarts = 0, m_runsAsked = 0;
  std::map<Fault, int> m_done;
};

bool Campaign::setUp() {
  if (!m_hosts.error().isEmpty()) {
    std::fprintf(stderr, "fault_campaign: %s\n", qPrintable(m_hosts.error()));
    return false;
  }
  QString output;
  if (test::runCommand(TWB_SOURCE_DIR "/packaging/make-engine-bundle.sh",
                       {TWB_ENGINE_BINARY, m_dir.filePath("bundle")}, &output) != 0) {
    std::fprintf(stderr, "fault_campaign: no engine bundle: %s\n", qPrintable(output));
    return false;
  }
  m_bundle = output.trimmed().split('\n').last();
  m_nodes.push_back({"local", data() + "/local-node", -1});
  QJsonArray entries;
  QByteArray knownHosts;
  for (int host = 0; host < 2; ++host) {
    auto server = std::make_unique<test::SshServer>(m_dir.filePath(QString("sshd%1").arg(host)),
                                                    m_hosts.address(host), m_hosts.name(host));
    if (!server->start()) {
      std::fprintf(stderr, "fault_campaign: %s\n", qPrintable(server->error()));
      return false;
    }
    const QString name = m_hosts.name(host), base = m_dir.filePath("node-" + name);
    entries.append(QJsonObject{{"name", name},
                               {"host", m_hosts.address(host)},
                               {"port", 22},
                               {"user", "root"},
                               {"key", server->clientKey()},
                               {"folder", base}});
    QFile hostKey(m_dir.filePath(QString("sshd%1/host_ed25519.pub").arg(host)));
    hostKey.open(QIODevice::ReadOnly);
    knownHosts += m_hosts.address(host).toUtf8() + ' ' + hostKey.readAll();
    m_nodes.push_back({name, base + "/node", host});
    m_servers.push_back(std::move(server));
  }
  QDir().mkpath(config());
  QDir().mkpath(m_dir.filePath("home"));
  if (!writeFile(config() + "/nodes.json",
                 QJsonDocument(QJsonObject{{"nodes", entries}}).toJson()) ||
      !writeFile(config() + "/known_hosts", knownHosts))
    return false;
  m_store = std::make_unique<app::ExperimentStore>(store());
  return true;
}

// The workbench, as a user starts it; while fewer than three runs go on, with a new job to run
// on a node chosen at random (the runs are in the store once its node accepted them).
bool Campaign::startWorkbench() {
  QProcessEnvironment environment = QProcessEnvironment::systemEnvironment();
  environment.insert("QT_QPA_PLATFORM", "offscreen");
  environment.insert("HOME", m_dir.filePath("home"));
  environment.insert("XDG_DATA_HOME", m_dir.filePath("data"));
  environment.insert("XDG_CONFIG_HOME", m_dir.filePath("config"));
  environment.insert("XDG_CACHE_HOME", m_dir.filePath("cache"));
  QStringList args{"--store", store(), "--engine", TWB_ENGINE_BINARY, "--bundle", m_bundle};
  if (m_store->unfinishedRuns().size() < 3) {
    const QString name = QString("fault-%1").arg(++m_runsAsked, 3, 10, QChar('0'));
    const QJsonObject job{{"name", name},
                          {"model", QJsonObject{{"template", "mlp"}}},
                          {"dataset", "fashion-mnist"},
                          {"optimizer", QJsonObject{{"type", "sgd"}, {"lr", 0.05}}},
                          {"batch", 64},
                          {"epochs", 5},
                          {"max_steps", 2000 + random(4000)},
                          {"log_every_steps", 5},
                          {"checkpoint", QJsonObject{{"every_steps", 50}}},
                          {"threads", 1}};
    const QString path = m_dir.filePath(name + ".json");
    writeFile(path, QJsonDocument(job).toJson());
    args << path << "--node" << m_nodes[random(static_cast<int>(m_nodes.size()))].name << "--run";
  }
  const bool withRun = args.contains("--run");
  m_workbench = std::make_unique<QProcess>();
  m_workbench->setProcessEnvironment(environment);
  m_workbench->setStandardOutputFile(
      m_dir.filePath(QString("workbench-%1.log").arg(++m_workbenchStarts)));
  m_workbench->setProcessChannelMode(QProcess::MergedChannels);
  m_workbench->start(TWB_APP_BINARY, args);
  m_workbench->waitForStarted();
  return withRun;
}

int Campaign::runCount() const {
  int runs = 0;
  for (const app::Project& project : m_store->projects()) runs += m_store->runs(project.id).size();
  return runs;
}

void Campaign::killWorkbench() {
  if (!m_workbench) return;
  if (const qint64 pid = m_workbench->processId(); pid > 0)
    ::kill(static_cast<pid_t>(pid), SIGKILL);
  m_workbench->waitForFinished();
}

QList<int> Campaign::runningWorkers() {
  QList<int> pids;
  for (const Node& node : m_nodes)
    for (const QString& id :
         QDir(node.folder + "/jobs").entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
      const QJsonObject status = test::readJsonObject(node.folder + "/jobs/" + id + "/status.json");
      if (status.value("state").toString() == "running" && alive(status.value("pid").toInt()))
        pids << status.value("pid").toInt();
    }
  return pids;
}

QString Campaign::inject(Fault fault) {
  switch (fault) {
    case Fault::Worker: {
      const QList<int> workers = runningWorkers();
      if (workers.isEmpty()) return {};
      const int pid = workers[random(workers.size())];
      ::kill(pid, SIGKILL);
      return QString("worker %1").arg(pid);
    }
    case Fault::Daemon: {
      const Node& node = m_nodes[random(static_cast<int>(m_nodes.size()))];
      const int pid = test::readJsonObject(node.folder + "/daemon.json").value("pid").toInt();
      if (!alive(pid)) return {};
      ::kill(pid, SIGKILL);
      return QString("daemon %1 of %2").arg(pid).arg(node.name);
    }
    case Fault::Workbench: {
      killWorkbench();
      pause(200 + random(1500));  // as long as a user takes to start it again
      const int runs = runCount();
      if (startWorkbench() && random(3)) {
        // Mostly the next fault comes once the new run is on its node; else at any time,
        // with the submission under way.
        QElapsedTimer timer;
        timer.start();
        while (runCount() == runs && timer.elapsed() < 20000) pause(200);
      }
      return "workbench";
    }
    case Fault::Sshd: {
      const int host = random(static_cast<int>(m_servers.size()));
      test::SshServer& server = *m_servers[host];
      // Mostly the sshd serving a connection; one time in four the listening server, which
      // comes back as its service manager would start it again.
      if (random(4) == 0) {
        ::kill(server.processId(), SIGKILL);
        pause(500);
        return server.start() ? "listening sshd of " + m_hosts.name(host) + ", restarted"
                              : "listening sshd of " + m_hosts.name(host) +
                                    " (did not restart: " + server.error() + ")";
      }
      const int killed = server.killSessions();
      return killed ? QString("%1 session sshd of %2").arg(killed).arg(m_hosts.name(host))
                    : QString();
    }
    case Fault::LinkDown:
    case Fault::LinkDrop:
      return cutLink(fault == Fault::LinkDrop);
  }
  return {};
}

// Cuts a namespace host off for 1 to 6 s: its link down, or every packet dropped both ways.
QString Campaign::cutLink(bool drop) {
  const int host = random(2);
  const QString outside = m_hosts.name(host) + "h";
  const int ms = 1000 + random(5000);
  if (drop) {
    m_hosts.cutOff(host);
    pause(ms);
    m_hosts.shape(host);
  } else {
    test::runCommand("ip", {"link", "set", outside, "down"});
    pause(ms);
    test::runCommand("ip", {"link", "set", outside, "up"});
  }
  return QString("%1 for %2 ms").arg(m_hosts.name(host)).arg(ms);
}

// Every run ends: the workbench runs (without a new job) until the store has no unfinished run.
bool Campaign::settle() {
  if (m_workbench->state() == QProcess::NotRunning) startWorkbench();
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < 600000) {
    if (m_store->unfinishedRuns().isEmpty() && runningWorkers().isEmpty()) return true;
    pause(500);
  }
  return false;
}

int Campaign::verify() {
  int problems = 0;
  const auto problem = [&problems](const QString& text) {
    ++problems;
    std::printf("MISMATCH %s\n", qPrintable(text));
  };
  std::map<QString, const Node*> nodes;
  for (const Node& node : m_nodes) nodes[node.name] = &node;
  QSet<QString> known;  // node:job of every run
  std::map<QString, int> states;
  qint64 events = 0;
  m_store->flush();
  for (const app::Project& project : m_store->projects())
    for (const app::Run& run : m_store->runs(project.id)) {
      const QString stored = remote::jobStateName(run.state);
      ++states[stored];
      const Node* node = nodes.count(run.node) ? nodes[run.node] : nullptr;
      if (!node) {
        problem(QString("run %1 (%2): unknown node %3").arg(run.id).arg(run.name, run.node));
        continue;
      }
      if (run.nodeJobId.isEmpty()) {  // never accepted: lost, and no job of that name may run
        if (run.state != app::RunState::Lost)
          problem(QString("run %1 (%2): no job on %3, yet %4")
                      .arg(run.id)
                      .arg(run.name, run.node, stored));
        continue;
      }
      known << run.node + ":" + run.nodeJobId;
      const QString job = node->folder + "/jobs/" + run.nodeJobId;
      const QJsonObject status = test::readJsonObject(job + "/status.json");
      const QString truth = status.value("state").toString(), why = status.value("reason").toString();
      if (stored != truth || run.reason != why)
        problem(QString("run %1 (%2): stored %3 (%4), %5 says %6 (%7)")
                    .arg(run.id)
                    .arg(run.name, stored, run.reason, run.node, truth, why));
      const QVector<qint64> seqs = m_store->storedSeqs(run.id);
      const int logged = test::lineCount(job + "/events.jsonl");
      bool once = seqs.size() == logged;
      for (int i = 0; once && i < seqs.size(); ++i) once = seqs[i] == i + 1;
      if (!once)
        problem(QString("run %1 (%2): %3 events stored (last seq %4), %5 logged by %6")
                    .arg(run.id)
                    .arg(run.name)
                    .arg(seqs.size())
                    .arg(seqs.isEmpty() ? 0 : seqs.back())
                    .arg(logged)
                    .arg(run.node));
      events += seqs.size();
    }
  for (const Node& node : m_nodes)
    for (const QString& id :
         QDir(node.folder + "/jobs").entryList(QDir::Dirs | QDir::NoDotAndDotDot))
      if (!known.contains(node.name + ":" + id))
        problem(QString("job %1 on %2 (%3) belongs to no run of the store")
                    .arg(id, node.name,
                         test::readJsonObject(node.folder + "/jobs/" + id + "/status.json")
                             .value("name")
                             .toString()));
  if (const QString integrity = m_store->integrityCheck(); integrity != "ok")
    problem("store integrity: " + integrity);
  QStringList byState;
  for (const auto& [state, count] : states) byState << QString("%1 %2").arg(count).arg(state);
  std::printf("runs: %s; events stored: %lld\n", qPrintable(byState.join(", ")),
              static_cast<long long>(events));
  return problems;
}

void Campaign::stopNodes() {
  for (const Node& node : m_nodes) {
    const int daemon = test::readJsonObject(node.folder + "/daemon.json").value("pid").toInt();
    if (alive(daemon)) ::kill(daemon, SIGKILL);
  }
  for (int pid : runningWorkers()) ::kill(pid, SIGKILL);
}

int Campaign::run() {
  if (!setUp()) return 2;
  QElapsedTimer clock;
  clock.start();
  startWorkbench();
  pause(3000);
  int kills = m_kills, cuts = m_cuts, missed = 0;
  const std::vector<Fault> killKinds{Fault::Worker, Fault::Daemon, Fault::Workbench, Fault::Sshd};
  while ((kills > 0 || cuts > 0) && clock.elapsed() < m_minutes * 60000LL) {
    pause(800 + random(1700));
    // A new run needs a new workbench: its kill is the next fault when no run goes on.
    const bool needRun = m_store->unfinishedRuns().isEmpty();
    const bool kill = kills > 0 && (needRun || cuts == 0 || random(kills + cuts) < kills);
    const Fault fault = !kill     ? (random(2) ? Fault::LinkDown : Fault::LinkDrop)
                        : needRun ? Fault::Workbench
                                  : killKinds[random(static_cast<int>(killKinds.size()))];
    const QString what = inject(fault);
    if (what.isEmpty()) {
      ++missed;  // nothing of that kind to hit just now
      continue;
    }
    (kill ? kills : cuts)--;
    ++m_done[fault];
    std::printf("%6.1f s  %-18s %s\n", clock.elapsed() / 1000.0, faultName(fault),
                qPrintable(what));
    std::fflush(stdout);
  }
  const double faultSeconds = clock.elapsed() / 1000.0;
  const bool settled = settle();
  killWorkbench();
  stopNodes();
  std::printf(
      "\n%d kills and %d link cuts in %.0f s (%d picks found nothing to hit), runs settled "
      "%.0f s later; the workbench started %d times\n",
      m_kills - kills, m_cuts - cuts, faultSeconds, missed, clock.elapsed() / 1000.0 - faultSeconds,
      m_workbenchStarts);
  QStringList byKind;
  for (const auto& [fault, count] : m_done)
    byKind << QString("%1 %2").arg(faultName(fault)).arg(count);
  std::printf("faults: %s\n", qPrintable(byKind.join(", ")));
  int problems = verify();
  if (!settled) {
    std::printf("MISMATCH runs still unfinished 10 min after the last fault\n");
    ++problems;
  }
  if (kills > 0 || cuts > 0) {
    std::printf("MISMATCH %d kills and %d cuts not done within %d minutes\n", kills, cuts,
                m_minutes);
    ++problems;
  }
  std::printf("%s: %d mismatches\n", problems ? "FAILED" : "PASSED", problems);
  return problems ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  QCoreApplication application(argc, argv);
  QCommandLineParser parser;
  parser.setApplicationDescription(
      "Random kills and link cuts during real runs; checks every run's end");
  parser.addHelpOption();
  const QCommandLineOption kills("kills", "kill -9 faults", "n", "100");
  const QCommandLineOption cuts("cuts", "link cuts", "n", "100");
  const QCommandLineOption seed("seed", "random seed (default: the time)", "n");
  const QCommandLineOption minutes("minutes", "bound on the faults' duration", "n", "30");
  const QCommandLineOption keep("keep", "keep the campaign's folder (store, logs, nodes)");
  parser.addOptions({kills, cuts, seed, minutes, keep});
  parser.process(application);
  if (::geteuid() != 0) {
    std::fprintf(stderr, "fault_campaign: needs root (sshd, network namespaces)\n");
    return 2;
  }
  ::signal(SIGPIPE, SIG_IGN);
  const unsigned chosenSeed = parser.isSet(seed)
                                  ? parser.value(seed).toUInt()
                                  : static_cast<unsigned>(QDateTime::currentSecsSinceEpoch());
  std::printf("seed %u\n", chosenSeed);
  Campaign campaign(parser.value(kills).toInt(), parser.value(cuts).toInt(), chosenSeed,
                    parser.value(minutes).toInt());
  if (parser.isSet(keep)) {
    campaign.keep();
    std::printf("folder %s\n", qPrintable(campaign.folder()));
  }
  return campaign.run();
}
