// How fast a remote node answers, side by side with the local node as the peer:
//   - submit -> first step event on a fresh node over SSH (bundle upload and daemon start
//     included; target <= 5 s) and on an already deployed one (new SSH connection; <= 1.5 s);
//   - reconnect-and-resume after the SSH connection is killed mid-job: from the kill to the first
//     event delivered after it (target <= 3 s);
//   - the peer: the same job on the local node (no SSH), cold (daemon start) and warm.
// A real sshd on loopback, started here (root). Usage: bench_remote_node BUNDLE.tar.gz ENGINE
#include <signal.h>

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QFile>
#include <QJsonDocument>
#include <QJsonObject>
#include <QTemporaryDir>
#include <QThread>
#include <atomic>
#include <cstdio>
#include <mutex>

#include "remote/job_dispatcher.h"
#include "remote/local_node.h"
#include "remote/remote_node.h"
#include "ssh_server.h"

using namespace twb::remote;

namespace {
QString job(int steps) {
  QFile file(TWB_SOURCE_DIR "/resources/examples/fmnist-mlp.json");
  file.open(QIODevice::ReadOnly);
  auto object = QJsonDocument::fromJson(file.readAll()).object();
  object["epochs"] = 0;
  object["max_steps"] = steps;
  object["log_every_steps"] = 1;
  object["eval"] = QJsonObject{{"every_epoch", false}};
  return QString::fromUtf8(QJsonDocument(object).toJson());
}

// Follows one job; times are milliseconds since `clock` started.
struct Timeline {
  QElapsedTimer clock;
  std::mutex mutex;
  qint64 firstStep = -1, lastSeq = 0, resumedAt = -1, killedAt = -1;
  QList<qint64> seqs;
  std::atomic<bool> done{false};
  QString failure;

  void attach(JobDispatcher& dispatcher) {
    QObject::connect(&dispatcher, &JobDispatcher::eventReceived, &dispatcher,
                     [this](const QString&, qint64 seq, const QString& type, const QByteArray&) {
                       std::lock_guard lock(mutex);
                       if (type == "step" && firstStep < 0) firstStep = clock.elapsed();
                       if (killedAt >= 0 && resumedAt < 0) resumedAt = clock.elapsed();
                       seqs << seq;
                     }, Qt::DirectConnection);
    QObject::connect(&dispatcher, &JobDispatcher::jobFinished, &dispatcher,
                     [this](const QString&, twb::remote::JobState) { done = true; }, Qt::DirectConnection);
    QObject::connect(&dispatcher, &JobDispatcher::failed, &dispatcher,
                     [this](const QString&, const QString& message) {
                       failure = message;
                       done = true;
                     }, Qt::DirectConnection);
  }
  qint64 wait() {
    while (!done) QThread::msleep(5);
    if (!failure.isEmpty()) {
      std::fprintf(stderr, "failed: %s\n", qPrintable(failure));
      std::exit(1);
    }
    for (int i = 0; i < seqs.size(); ++i)
      if (seqs[i] != i + 1) {
        std::fprintf(stderr, "gap or duplicate at %d\n", i);
        std::exit(1);
      }
    return firstStep;
  }
};

qint64 firstStep(std::shared_ptr<NodeEndpoint> node, int steps) {
  Timeline timeline;
  JobDispatcher dispatcher(node);
  timeline.attach(dispatcher);
  timeline.clock.start();
  dispatcher.submit(twb::remote::TrainingRequest{job(steps)});
  return timeline.wait();
}
}  // namespace

int main(int argc, char** argv) {
  QCoreApplication app(argc, argv);
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s BUNDLE.tar.gz ENGINE\n", argv[0]);
    return 2;
  }
  QTemporaryDir work;
  twb::test::SshServer server(work.filePath("ssh"));
  if (!server.start()) {
    std::fprintf(stderr, "%s\n", qPrintable(server.error()));
    return 1;
  }
  RemoteNode::Options options;
  options.target = {server.host(), server.port(), "root", server.clientKey()};
  options.ssh = {work.filePath("known_hosts"), work.filePath("user_known_hosts"), 10, "none"};
  options.prompts.acceptUnknownHost = [](const QString&, const QString&, const QString&) { return true; };
  options.bundlePath = argv[1];
  options.remoteBase = work.filePath("node");

  const qint64 fresh = firstStep(std::make_shared<RemoteNode>(options), 20);
  const qint64 deployed = firstStep(std::make_shared<RemoteNode>(options), 20);

  Timeline cut;
  {
    JobDispatcher dispatcher(std::make_shared<RemoteNode>(options));
    cut.attach(dispatcher);
    cut.clock.start();
    dispatcher.submit(twb::remote::TrainingRequest{job(3000)});
    while (cut.seqs.size() < 50) QThread::msleep(2);
    {
      std::lock_guard lock(cut.mutex);
      cut.killedAt = cut.clock.elapsed();
    }
    server.killSessions();
    cut.wait();
  }
  const qint64 resume = cut.resumedAt - cut.killedAt;

  const auto local = std::make_shared<LocalNode>(argv[2], work.filePath("local"));
  const qint64 localCold = firstStep(local, 20);
  const qint64 localWarm = firstStep(local, 20);

  std::printf("submit -> first step event, fmnist-mlp, log every step\n");
  std::printf("  fresh remote node (upload + daemon start): %6lld ms  (target <= 5000)  peer local cold: %lld ms, ratio %.2fx\n",
              static_cast<long long>(fresh), static_cast<long long>(localCold), double(fresh) / localCold);
  std::printf("  deployed remote node (new SSH connection): %6lld ms  (target <= 1500)  peer local warm: %lld ms, ratio %.2fx\n",
              static_cast<long long>(deployed), static_cast<long long>(localWarm), double(deployed) / localWarm);
  std::printf("reconnect and resume after the SSH connection is killed: %lld ms (target <= 3000); %lld events, no gap, no duplicate\n",
              static_cast<long long>(resume), static_cast<long long>(cut.seqs.size()));
  // The node's daemon and the local one stop with the benchmark.
  QFile daemon(work.filePath("node/node/daemon.json"));
  if (daemon.open(QIODevice::ReadOnly))
    ::kill(QJsonDocument::fromJson(daemon.readAll()).object().value("pid").toInt(), SIGTERM);
  const bool met = fresh <= 5000 && deployed <= 1500 && resume <= 3000;
  std::printf("%s\n", met ? "targets met" : "targets MISSED");
  return met ? 0 : 1;
}
