// The node service end to end: a real `twb-engine serve`, real unix and TCP sockets, real worker
// processes training on Fashion-MNIST, driven through the gRPC client.
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <csignal>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "core/error.h"
#include "core/tensor.h"
#include "data/npy_file.h"
#include "io/model_file.h"
#include "node_daemon.h"
#include "rpc/event_log_reader.h"
#include "rpc/job_manager.h"
#include "rpc/job_record.h"
#include "rpc/node_client.h"
#include "test_support.h"

using twb::NodeAddress;
using twb::NodeClient;
using twb::test::NodeDaemon;
namespace v1 = twb::node::v1;

namespace {
constexpr const char* kToken = "s3cret-token-value";

std::string readFile(const QString& path) {
  QFile file(path);
  file.open(QIODevice::ReadOnly);
  return file.readAll().toStdString();
}

std::string exampleJob(const char* name) {
  return readFile(QString(TWB_SOURCE_DIR "/resources/examples/") + name);
}

// fmnist-mlp with fewer steps, so that a test waits seconds, not minutes.
std::string shortJob(int64_t maxSteps, int64_t logEvery = 10) {
  auto job = nlohmann::json::parse(exampleJob("fmnist-mlp.json"));
  job["epochs"] = 0;
  job["max_steps"] = maxSteps;
  job["log_every_steps"] = logEvery;
  job["eval"] = {{"every_epoch", false}};
  return job.dump();
}

v1::SubmitJobRequest trainRequest(const std::string& jobJson) {
  v1::SubmitJobRequest request;
  request.mutable_train()->set_job_json(jobJson);
  return request;
}

// Every event of a job: its seq numbers and its parsed objects.
struct Watched {
  std::vector<int64_t> seqs;
  std::vector<nlohmann::json> events;
  void add(const v1::Event& e) {
    seqs.push_back(e.seq());
    events.push_back(nlohmann::json::parse(e.json()));
  }
  std::string finalState() const {
    for (auto it = events.rbegin(); it != events.rend(); ++it)
      if ((*it)["type"] == "state") return (*it)["state"];
    return "none";
  }
};

bool isOneToN(const std::vector<int64_t>& seqs) {
  for (size_t i = 0; i < seqs.size(); ++i)
    if (seqs[i] != static_cast<int64_t>(i) + 1) return false;
  return !seqs.empty();
}

twb::JobRecord record(const QString& dataDir, const std::string& id) {
  return twb::JobFolder{dataDir.toStdString() + "/jobs/" + id}.load();
}

template <typename Predicate>
bool waitFor(Predicate done, int timeoutMs) {
  QElapsedTimer timer;
  timer.start();
  while (timer.elapsed() < twb::test::timeScaled(timeoutMs)) {
    if (done()) return true;
    QThread::msleep(10);
  }
  return done();
}
}  // namespace

class NodeServiceTest : public QObject {
  Q_OBJECT

  std::unique_ptr<QTemporaryDir> m_dir;  // one per test, 0700: the socket folder lives inside
  QString dataDir() const { return m_dir->filePath("data"); }
  QString socket() const { return "unix:" + m_dir->filePath("run/node.sock"); }
  NodeClient client() const {
    return NodeClient(NodeAddress::parse(socket().toStdString()), twb::AccessToken());
  }
  // TCP nodes: their certificates pinned in the test's own known_nodes, accepted on first use.
  std::string pinsFile() const { return m_dir->filePath("known_nodes").toStdString(); }
  twb::CertificatePins pins() const {
    return twb::CertificatePins(pinsFile(), [](auto&, auto&) { return true; });
  }
  NodeClient tokenClient(const NodeAddress& address) const {
    return NodeClient(address, twb::AccessToken::fromFile(m_dir->filePath("token").toStdString()),
                      pins());
  }
  QString writeToken(const QString& name, const char* value) const {
    const QString path = m_dir->filePath(name);
    { std::ofstream(path.toStdString()) << value << "\n"; }
    QFile::setPermissions(path, QFile::ReadOwner | QFile::WriteOwner);
    return path;
  }

 private slots:
  void init() { m_dir = std::make_unique<QTemporaryDir>(); }

  void cleanup() {
    // Workers outlive their daemon by design: a test stops the ones it left running.
    QDir jobs(dataDir() + "/jobs");
    for (const QString& id : jobs.entryList(QDir::Dirs | QDir::NoDotAndDotDot)) {
      if (!QFile::exists(jobs.filePath(id + "/status.json"))) continue;
      const twb::JobRecord r = record(dataDir(), id.toStdString());
      if (r.state == twb::JobState::running && twb::processStartTicks(r.pid) == r.pidStartTicks)
        ::kill(r.pid, SIGKILL);
    }
  }

  void submitAndWatchToTheEnd() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    const v1::JobStatus job = node.submit(trainRequest(exampleJob("fmnist-mlp.json")));
    QCOMPARE(job.name(), std::string("fmnist-mlp"));
    Watched watched;
    QVERIFY(node.watch(job.id(), 0, [&](const v1::Event& e) {
      watched.add(e);
      return true;
    }));
    QVERIFY2(isOneToN(watched.seqs), "seq has a gap or a duplicate");
    QCOMPARE(watched.finalState(), std::string("succeeded"));
    QCOMPARE(watched.events.front()["state"], "queued");
    // One step event per logged step (every 10th and the last), each exactly once, in order.
    std::vector<int64_t> steps;
    int64_t total = 0;
    for (const auto& e : watched.events)
      if (e["type"] == "step") {
        steps.push_back(e["step"]);
        total = e["total_steps"];
      }
    QCOMPARE(total, int64_t{5 * (60000 / 128)});
    QCOMPARE(static_cast<int64_t>(steps.size()), (total + 9) / 10);
    for (size_t i = 0; i + 1 < steps.size(); ++i) QCOMPARE(steps[i], int64_t(10 * (i + 1)));
    QCOMPARE(steps.back(), total);
    QCOMPARE(node.job(job.id()).state(), v1::SUCCEEDED);

    const QString model = m_dir->filePath("downloaded.twbm");
    const int64_t bytes = node.download(job.id(), "model.twbm", model.toStdString());
    QCOMPARE(bytes, QFileInfo(model).size());
    const twb::ModelFile loaded = twb::loadModel(model.toStdString());
    QCOMPARE(loaded.spec.name, std::string("mlp"));
    int64_t parameters = 0;
    for (const auto& p : loaded.params.all()) parameters += p.value.numel();
    QCOMPARE(parameters, int64_t{784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10});
    // A folder as the file to write is said, and nothing is left beside it.
    try {
      node.download(job.id(), "model.twbm", m_dir->path().toStdString());
      QFAIL("a folder was taken as the file to write");
    } catch (const twb::Error& e) {
      QCOMPARE(QString(e.what()), m_dir->path() + ": is a folder; name the file to write");
    }
    QVERIFY(!QFile::exists(m_dir->path() + ".tmp"));
  }

  // The node's check says what a job will hold in memory before it runs (the Job tab warns by
  // it), near what the run then held at most, which it says when it succeeds: 96 % of it here
  // (890 MiB against 928; left out, what kernels other than convolutions make as they bind and
  // the process's own code and stacks; without the convolutions' layout copies, 76 %). Summing
  // the graph's values alone, as the check did before, said 39 %.
  void theMemoryEstimateMeetsWhatTheRunHolds() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    const nlohmann::json job = {{"name", "estimate"},
                                {"model", {{"template", "resnet18-cifar"}}},
                                {"dataset", "synthetic:3x32x32:10:400"},
                                {"batch", 32},
                                {"max_steps", 2},
                                {"threads", 2}};
    v1::ValidateJobRequest check;
    check.set_job_json(job.dump());
    const auto checked = node.validate(check);
    QVERIFY(checked.ok());
    Watched watched;
    QVERIFY(node.watch(node.submit(trainRequest(job.dump())).id(), 0, [&](const v1::Event& e) {
      watched.add(e);
      return true;
    }));
    QCOMPARE(watched.finalState(), std::string("succeeded"));
    const auto succeeded =
        std::find_if(watched.events.rbegin(), watched.events.rend(),
                     [](const nlohmann::json& e) { return e.value("state", "") == "succeeded"; });
    const double share = static_cast<double>(checked.memory_bytes()) /
                         succeeded->at("peak_memory_bytes").get<double>();
    qInfo("estimated %lld MiB, held %lld", static_cast<long long>(checked.memory_bytes() >> 20),
          static_cast<long long>(succeeded->at("peak_memory_bytes").get<int64_t>() >> 20));
    QVERIFY2(share >= 0.8 && share <= 1.1,
             qPrintable(QString("estimated %1 MiB, held %2 (%3)")
                            .arg(checked.memory_bytes() >> 20)
                            .arg(succeeded->at("peak_memory_bytes").get<int64_t>() >> 20)
                            .arg(share)));
  }

  // A job beyond what the node has for a rank is told the largest batch whose estimate fits
  // (the Job tab's memory note says it): that batch fits, two more do not.
  void aJobBeyondTheNodesMemoryIsToldTheBatchThatFits() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    const auto validate = [&](int64_t batch) {
      const nlohmann::json job = {{"model", {{"template", "resnet18-cifar"}}},
                                  {"dataset", "synthetic:3x32x32:10:100000000"},
                                  {"batch", batch}};
      v1::ValidateJobRequest check;
      check.set_job_json(job.dump());
      return node.validate(check);
    };
    // Half again as large as the node's memory holds, from two small batches' estimates.
    const auto small = validate(8), twice = validate(16);
    QVERIFY(small.ok() && twice.ok() && small.memory_available_bytes() > 0);
    const int64_t perSample = (twice.memory_bytes() - small.memory_bytes()) / 8;
    const int64_t batch = 3 * small.memory_available_bytes() / 2 / perSample;
    const auto over = validate(batch);
    QVERIFY(over.ok());  // said, not refused: the engine checks exactly when the run starts
    QVERIFY(over.memory_bytes() > over.memory_available_bytes());
    const int64_t fitting = over.fitting_batch();
    QVERIFY2(fitting > batch / 2 && fitting < batch, qPrintable(QString::number(fitting)));
    // What the machine has available moves between calls (the page cache, other processes) by
    // more than a sample of this model needs: 1 % either side.
    const int64_t margin = std::max<int64_t>(2, fitting / 100);
    const auto at = validate(fitting - margin), beyond = validate(fitting + margin);
    QVERIFY(at.memory_bytes() <= at.memory_available_bytes());
    QVERIFY(beyond.memory_bytes() > beyond.memory_available_bytes());
    QCOMPARE(at.fitting_batch(), int64_t{0});  // told only where the job does not fit
  }

  void dataParallelJobRunsItsRanksOnTheNode() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    auto job = nlohmann::json::parse(shortJob(40));
    job["batch"] = 64;
    job["threads"] = 1;
    job["parallel"] = {{"strategy", "data"}, {"ranks_per_node", 2}, {"lr_scaling", "linear"}};
    const auto status = node.submit(trainRequest(job.dump()));
    Watched watched;
    QVERIFY(node.watch(status.id(), 0, [&](const v1::Event& e) {
      watched.add(e);
      return true;
    }));
    QVERIFY2(isOneToN(watched.seqs), "seq has a gap or a duplicate");
    QCOMPARE(watched.finalState(), std::string("succeeded"));
    int steps = 0, running = 0, scaled = 0;
    std::set<std::string> messages;
    std::set<int> evaluated;
    for (const auto& e : watched.events) {
      if (e["type"] == "step") {
        ++steps;
        QCOMPARE(e["ranks"].size(), size_t{2});  // every rank's times, told by rank 0 once
        QCOMPARE(e["total_steps"].get<int>(), 40);
      }
      // Through the node's merged stream too, what the job says is said once, not by each rank.
      running += e["type"] == "state" && e["state"] == "running";
      if (e["type"] == "log") {
        const std::string message = e["message"];
        QVERIFY2(messages.insert(message).second, ("said twice: " + message).c_str());
        scaled += message.find("scaled for 2 ranks") != std::string::npos;
      }
      if (e["type"] == "eval")
        QVERIFY2(evaluated.insert(e["step"].get<int>()).second, e.dump().c_str());
    }
    QCOMPARE(steps, 4);
    QCOMPARE(running, 1);
    QCOMPARE(scaled, 1);
    QVERIFY(evaluated.count(40));
    QCOMPARE(node.job(status.id()).state(), v1::SUCCEEDED);
    const QString model = m_dir->filePath("dp.twbm");
    QVERIFY(node.download(status.id(), "model.twbm", model.toStdString()) > 0);

    // A node runs its own ranks only: splitting across nodes is the dispatcher's work.
    job["parallel"]["nodes"] = {"a", "b"};
    const std::string refused = twb::test::errorOf([&] { node.submit(trainRequest(job.dump())); });
    QVERIFY2(refused.find("parallel.nodes: a node runs its own ranks") != std::string::npos,
             refused.c_str());
  }

  // A job read from a file elsewhere on the node finds its files where `twb-engine train FILE`
  // would: relative paths resolve against job_folder, for the check, the job, its ranks and a job
  // resuming it (which keeps the first job's folder).
  void relativePathsResolveAgainstTheJobFolder() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    const QString folder = m_dir->filePath("my-experiment");
    QVERIFY(QDir().mkpath(folder));
    twb::Tensor samples({64, 1, 28, 28}, twb::DType::f32), labels({64}, twb::DType::f32);
    for (int64_t i = 0; i < samples.numel(); ++i)
      samples.data<float>()[i] = static_cast<float>(i % 7) / 7;
    for (int64_t i = 0; i < 64; ++i) labels.data<float>()[i] = static_cast<float>(i % 10);
    twb::writeNpyFile((folder + "/x.npy").toStdString(), samples);
    twb::writeNpyFile((folder + "/y.npy").toStdString(), labels);
    auto job = nlohmann::json::parse(shortJob(4, 1));
    job["dataset"] = "npy:x.npy,y.npy";
    job["batch"] = 16;
    job["threads"] = 1;
    job["checkpoint"] = {{"every_steps", 2}};
    job["parallel"] = {{"strategy", "data"}, {"ranks_per_node", 2}};

    v1::ValidateJobRequest check;
    check.set_job_json(job.dump());
    const auto lost = node.validate(check);  // the node's own folder: not there
    QVERIFY(!lost.ok());
    QCOMPARE(lost.problems(0).path(), std::string("dataset"));
    check.set_job_folder("my-experiment");
    const auto relative = node.validate(check);
    QVERIFY(!relative.ok());
    QCOMPARE(relative.problems(0).message(),
             std::string("job_folder: 'my-experiment' must be an absolute path on the node"));
    check.set_job_folder(folder.toStdString());
    const auto found = node.validate(check);
    QVERIFY2(found.ok(), found.problems_size() ? found.problems(0).message().c_str() : "");
    QCOMPARE(found.total_steps(), int64_t{4});

    auto request = trainRequest(job.dump());
    request.mutable_train()->set_job_folder(folder.toStdString());
    const auto first = node.submit(request);
    QVERIFY(node.watch(first.id(), 0, [](const v1::Event&) { return true; }));
    QCOMPARE(node.job(first.id()).state(), v1::SUCCEEDED);  // its two ranks read the arrays too
    job["max_steps"] = 8;
    auto resume = trainRequest(job.dump());
    resume.mutable_train()->set_resume_job(first.id());
    const auto resumed = node.submit(resume);
    QVERIFY(node.watch(resumed.id(), 0, [](const v1::Event&) { return true; }));
    QCOMPARE(node.job(resumed.id()).state(), v1::SUCCEEDED);

    // Its model quantized with no calibration set named: calibrated on the arrays it trained
    // on, found where the job found them (the workbench asks this way).
    v1::SubmitJobRequest quantize;
    quantize.mutable_quantize()->mutable_model()->set_job(first.id());
    quantize.mutable_quantize()->set_samples(32);
    const auto int8 = node.submit(quantize);
    nlohmann::json report;
    QVERIFY(node.watch(int8.id(), 0, [&](const v1::Event& e) {
      if (e.type() == "quantize") report = nlohmann::json::parse(e.json())["report"];
      return true;
    }));
    QCOMPARE(node.job(int8.id()).state(), v1::SUCCEEDED);
    QVERIFY2(report["calibration"]["dataset"].get<std::string>().find(
                 folder.toStdString() + "/x.npy") != std::string::npos,
             report["calibration"].dump().c_str());
    // A job that fine-tuned a model file beside the job, the file deleted since: its own model
    // still quantizes (the node reads the job's datasets, not its initial model).
    QVERIFY(
        QFile::copy(dataDir() + "/jobs/" + QString::fromStdString(first.id()) + "/out/model.twbm",
                    folder + "/start.twbm"));
    auto fineTune = job;
    fineTune["model"] = {{"file", "start.twbm"}};
    fineTune.erase("parallel");
    auto fineTuneRequest = trainRequest(fineTune.dump());
    fineTuneRequest.mutable_train()->set_job_folder(folder.toStdString());
    const auto tuned = node.submit(fineTuneRequest);
    QVERIFY(node.watch(tuned.id(), 0, [](const v1::Event&) { return true; }));
    QCOMPARE(node.job(tuned.id()).state(), v1::SUCCEEDED);
    QVERIFY(QFile::remove(folder + "/start.twbm"));
    quantize.mutable_quantize()->mutable_model()->set_job(tuned.id());
    const auto tunedInt8 = node.submit(quantize);
    QVERIFY(node.watch(tunedInt8.id(), 0, [](const v1::Event&) { return true; }));
    QCOMPARE(node.job(tunedInt8.id()).state(), v1::SUCCEEDED);

    // `twb-engine client` sends a job file's folder to a node of this machine, as the workbench
    // does; with --file the job's files go to the node and its paths resolve there.
    const QString jobFile = folder + "/job.json";
    { std::ofstream(jobFile.toStdString()) << job.dump(); }
    const auto checked =
        twb::test::runEngine({"client", "--node", socket(), "validate", jobFile}, 60000);
    QVERIFY2(checked.exitCode == 0 && checked.output.contains(jobFile + ": ok;"),
             qPrintable(checked.output));
    const auto ran =
        twb::test::runEngine({"client", "--node", socket(), "submit", jobFile, "--watch"}, 120000);
    QVERIFY2(ran.exitCode == 0 && ran.output.contains("succeeded"), qPrintable(ran.output));
    const auto sent = twb::test::runEngine(
        {"client", "--node", socket(), "validate", jobFile, "--file", folder + "/x.npy"}, 60000);
    QCOMPARE(sent.exitCode, 1);
    QVERIFY2(sent.output.contains("y.npy: cannot open"), qPrintable(sent.output));
    // A job the node refuses for what its file says is named by the file, as validate names it.
    auto misspelt = job;
    misspelt["batchh"] = 8;
    const QString badFile = folder + "/bad.json";
    { std::ofstream(badFile.toStdString()) << misspelt.dump(); }
    const auto refused =
        twb::test::runEngine({"client", "--node", socket(), "submit", badFile}, 60000);
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(
        refused.output.contains("error: " + badFile + ": batchh: unknown field (known here: ") &&
            refused.output.contains("threads) (refused by " + socket() + ")"),
        qPrintable(refused.output));
  }

  // `twb-engine client` runs a job across two nodes (two daemons of this machine), two ranks on
  // each reducing hierarchically: every node checked first, the first node's share says where
  // its rendezvous is, then the second's runs.
  void clientRunsAJobAcrossTwoNodes() {
    NodeDaemon first(socket(), dataDir());
    const QString secondSocket = "unix:" + m_dir->filePath("run-b/node.sock");
    NodeDaemon second(secondSocket, m_dir->filePath("data-b"));
    QVERIFY2(first.started() && second.started(), qPrintable(first.output() + second.output()));
    auto job = nlohmann::json::parse(shortJob(40));
    job["batch"] = 64;
    job["threads"] = 1;
    job["parallel"] = {{"strategy", "data"}, {"nodes", {"a", "b"}}, {"ranks_per_node", 2},
                       {"hierarchical", true}};
    const QString jobFile = m_dir->filePath("across.json");
    { std::ofstream(jobFile.toStdString()) << job.dump(); }
    const QString a = "a=" + socket(), b = "b=" + secondSocket;

    const auto noAddress = twb::test::runEngine({"client", "--node", a, "submit", jobFile}, 60000);
    QCOMPARE(noAddress.exitCode, 1);
    QVERIFY2(noAddress.output.contains("parallel.nodes: no --node b=ADDRESS says where node 'b' is"),
             qPrintable(noAddress.output));
    const auto noHost = twb::test::runEngine({"client", "--node", a, "--node", b, "submit", jobFile}, 60000);
    QCOMPARE(noHost.exitCode, 1);
    QVERIFY2(noHost.output.contains("--rendezvous-host: required when the first node (a)"),
             qPrintable(noHost.output));
    const auto badHost = twb::test::runEngine(
        {"client", "--node", a, "--node", b, "--rendezvous-host", "192.0.2.1", "validate", jobFile}, 60000);
    QCOMPARE(badHost.exitCode, 1);
    QVERIFY2(badHost.output.contains("node a (" + socket() + "): placement.rendezvous: rendezvous: "
                                     "this machine cannot listen on 192.0.2.1"),
             qPrintable(badHost.output));

    const auto run = twb::test::runEngine({"client", "--node", a, "--node", b, "--rendezvous-host",
                                           "127.0.0.1", "submit", jobFile, "--watch"},
                                          300000);
    QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.output));
    QVERIFY2(run.output.contains("node a: job j") && run.output.contains("node b: job j") &&
                 run.output.contains("succeeded (test accuracy"),
             qPrintable(run.output));
    NodeClient onSecond(NodeAddress::parse(secondSocket.toStdString()), {});
    const auto jobs = onSecond.list();
    QCOMPARE(jobs.size(), size_t{1});
    QCOMPARE(jobs[0].state(), v1::SUCCEEDED);
    Watched watched;
    onSecond.watch(jobs[0].id(), 0, [&](const v1::Event& e) {
      watched.add(e);
      return true;
    });
    QVERIFY(isOneToN(watched.seqs));
    int steps = 0;
    for (const auto& e : watched.events)
      if (e["type"] == "step") {
        ++steps;
        QCOMPARE(e["ranks"].size(), size_t{4});
        QVERIFY(e["bytes_sent"].get<double>() > 0);  // rank 2 leads node b: it sends
      }
    QCOMPARE(steps, 4);  // node b's first rank followed every step
  }

  // The 3 x 2 grid of the issue (lr 0.01 / 0.1 / 10 x fp32 / bf16) on the mlp, two at a time
  // over the two nodes the block names (each runs one job at a time): every trial runs or says
  // why not, lr 10 is stopped by the median rule before its end, and the CSV holds the nodes'
  // own numbers, best first.
  void aSweepRunsItsGridAndStopsHopelessTrials() {
    NodeDaemon first(socket(), dataDir());
    const QString secondSocket = "unix:" + m_dir->filePath("run-b/node.sock");
    NodeDaemon second(secondSocket, m_dir->filePath("data-b"));
    QVERIFY2(first.started() && second.started(), qPrintable(first.output() + second.output()));
    const int64_t maxSteps = 40;
    auto job = nlohmann::json::parse(shortJob(maxSteps, 1));
    job["name"] = "lr-sweep";
    job["threads"] = 1;
    // lr 10 diverges: loss 2.3, 18, 4e5, ... and not a number at step 6, where the engine fails
    // the job. With 256 samples a step takes ~25 ms, so a stop decided at step 2 reaches the
    // trial well before that. Where bf16 trials fail at once (this CPU), lr 10 may start while
    // only one other trial has finished: one is enough for a median here.
    job["batch"] = 256;
    job["optimizer"] = {{"type", "sgd"}, {"lr", 0.1}};
    job.erase("schedule");  // the example's warm-up would hold every lr low for 100 steps
    job["sweep"] = {{"method", "grid"},
                    {"concurrency", 2},
                    {"nodes", {"a", "b"}},
                    {"early_stop", {{"rule", "median"}, {"grace_steps", 2}, {"min_trials", 1}}},
                    {"parameters", {{"optimizer.lr", {0.01, 0.1, 10}},
                                    {"precision", {"fp32", "bf16"}}}}};
    const QString jobFile = m_dir->filePath("sweep.json");
    { std::ofstream(jobFile.toStdString()) << job.dump(); }
    const QString csvFile = m_dir->filePath("sweep.csv");
    const auto run = twb::test::runEngine({"client", "--node", "a=" + socket(), "--node",
                                           "b=" + secondSocket, "--node", "unused=" + socket(),
                                           "sweep", jobFile, "--csv", csvFile},
                                          300000);
    QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.output));
    // Its dry runs say they are under way (a line off a terminal, a bar on one), before the first
    // trial.
    const qsizetype checking = run.output.indexOf("checking the trials...");
    QVERIFY2(checking >= 0 && checking < run.output.indexOf("[1/6]"), qPrintable(run.output));

    QFile csv(csvFile);
    QVERIFY(csv.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(csv.readAll()).split('\n', Qt::SkipEmptyParts);
    QCOMPARE(lines.value(0), QString("trial,optimizer.lr,precision,state,steps,loss,test_accuracy,"
                                     "samples_per_s,node,job,reason"));
    QCOMPARE(lines.size(), 7);
    std::map<QString, std::unique_ptr<NodeClient>> nodes;
    nodes["a"] = std::make_unique<NodeClient>(NodeAddress::parse(socket().toStdString()), twb::AccessToken());
    nodes["b"] = std::make_unique<NodeClient>(NodeAddress::parse(secondSocket.toStdString()), twb::AccessToken());
    const bool bf16 = twb::bf16Unavailable().empty();
    double previous = 2;
    bool afterUnranked = false;  // trials without a test accuracy come after those with one
    for (const QString& line : lines.mid(1)) {
      const QStringList f = line.split(',');  // the reasons that hold commas come last
      const double lr = f[1].toDouble();
      const QString precision = f[2], state = f[3];
      afterUnranked = afterUnranked || state != "succeeded";
      if (precision == "bf16" && !bf16) {
        QCOMPARE(state, QString("failed"));
        QVERIFY2(line.contains("bf16 is not available on this node"), qPrintable(line));
        continue;
      }
      if (lr == 10) {  // diverging: stopped while the others' median was far below it
        QCOMPARE(state, QString("stopped early"));
        QVERIFY2(f[4].toLongLong() < maxSteps, qPrintable(line));
        QVERIFY2(line.contains("above the finished trials' median"), qPrintable(line));
        continue;
      }
      // lr 0.01 learns slower than lr 0.1 and may be stopped once lr 0.1 has finished; lr 0.1
      // is the median's yardstick and runs to its end.
      if (lr == 0.01 && state == "stopped early") continue;
      QCOMPARE(state, QString("succeeded"));
      QVERIFY(!afterUnranked);
      // Best first, and the very number the node's job ended with.
      bool isNumber = false;
      const double accuracy = f[6].toDouble(&isNumber);
      QVERIFY(isNumber && accuracy <= previous);
      previous = accuracy;
      nlohmann::json last;
      double throughput = 0;  // the mean over the job's step events
      int steps = 0;
      nodes.at(f[8])->watch(f[9].toStdString(), 0, [&](const v1::Event& e) {
        if (e.type() == "state") last = nlohmann::json::parse(e.json());
        if (e.type() == "step")
          throughput += nlohmann::json::parse(e.json())["samples_per_s"].get<double>(), ++steps;
        return true;
      });
      QCOMPARE(accuracy, last["test_accuracy"].get<double>());
      QVERIFY2(steps > 0 && qAbs(f[7].toDouble() / (throughput / steps) - 1) < 1e-6,
               qPrintable(line));
    }
    // Two at a time, one on each node: their jobs overlapped, never more than two.
    std::vector<std::pair<double, int>> edges;
    for (auto& [name, node] : nodes) {
      const auto jobs = node->list();
      QVERIFY2(!jobs.empty(), qPrintable("node " + name + " ran no trial"));
      for (const auto& j : jobs)
        edges.push_back({j.started_time(), 1}), edges.push_back({j.finished_time(), -1});
    }
    std::sort(edges.begin(), edges.end());
    int running = 0, most = 0;
    for (const auto& [time, change] : edges) most = std::max(most, running += change);
    QCOMPARE(most, 2);
    QVERIFY2(run.output.contains("* "), qPrintable(run.output));  // the best trial is marked
  }

  // A sweep with a bad block is refused, naming the field, before anything is submitted.
  void aBadSweepIsRefusedAtItsField_data() {
    QTest::addColumn<QString>("sweep");
    QTest::addColumn<QString>("error");
    QTest::newRow("range in a grid") << R"({"parameters": {"optimizer.lr": {"min": 0.001, "max": 1}}})"
                                     << "sweep.parameters.optimizer.lr: a grid needs \"values\"";
    QTest::newRow("log range below zero")
        << R"({"method": "random", "trials": 4, "parameters": {"optimizer.lr": {"min": 0, "max": 1, "scale": "log"}}})"
        << "sweep.parameters.optimizer.lr.min: must be > 0 on a log scale";
    QTest::newRow("path through a value")
        << R"({"parameters": {"batch.size": [1, 2]}})"
        << "sweep.parameters.batch.size: the job's batch is not an object";
    QTest::newRow("unknown field") << R"({"parameters": {"seed": [1]}, "budget": 3})"
                                   << "sweep.budget: unknown field";
    QTest::newRow("random without trials") << R"({"method": "random", "parameters": {"seed": [1, 2]}})"
                                           << "sweep.trials: random search needs a number of trials";
    QTest::newRow("node without an address") << R"({"nodes": ["ghost"], "parameters": {"seed": [1]}})"
                                             << "sweep.nodes: no --node ghost=ADDRESS says where node 'ghost' is";
    // A path the job does not have fails every trial alike: the node's check of the first says so.
    QTest::newRow("misspelt path")
        << R"({"parameters": {"optimizer.lrr": [0.01, 0.1]}})"
        << "optimizer.lrr: unknown field (known here: lr, momentum, nesterov, type, "
           "weight_decay) (trial 0, checked on node ";
    // A value only a later trial has fails only that trial: every trial is checked first.
    QTest::newRow("a later trial's value")
        << R"({"parameters": {"batch": [32, 0]}})"
        << "batch: must be > 0, got 0 (trial 1, checked on node ";
  }
  void aBadSweepIsRefusedAtItsField() {
    QFETCH(QString, sweep);
    QFETCH(QString, error);
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    auto job = nlohmann::json::parse(shortJob(10));
    job["sweep"] = nlohmann::json::parse(sweep.toStdString());
    const QString jobFile = m_dir->filePath("bad-sweep.json");
    { std::ofstream(jobFile.toStdString()) << job.dump(); }
    const auto run = twb::test::runEngine({"client", "--node", socket(), "sweep", jobFile}, 60000);
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(run.output.contains(jobFile + ": " + error), qPrintable(run.output));
    QVERIFY(client().list().empty());
    // Submitted as a plain job, a sweep is refused with a pointer to the sweep command.
    const auto plain = twb::test::runEngine({"client", "--node", socket(), "submit", jobFile}, 60000);
    QCOMPARE(plain.exitCode, 1);
    QVERIFY2(plain.output.contains("sweep: this job file is a sweep"), qPrintable(plain.output));
  }

  // A node whose daemon runs another engine build (an older bundle) is refused before any rank
  // starts, naming it and both builds.
  void aNodeWithAnotherEngineBuildIsRefused() {
    const QString otherEngine = twb::test::engineOfAnotherBuild(m_dir->filePath(""));
    QVERIFY(!otherEngine.isEmpty());
    const QString info = QString::fromUtf8([&] {
      QProcess p;
      p.start(otherEngine, {"info"});
      p.waitForFinished();
      return p.readAllStandardOutput();
    }());
    QVERIFY2(info.contains(" build zzz"), qPrintable(info));
    NodeDaemon first(socket(), dataDir());
    const QString secondSocket = "unix:" + m_dir->filePath("run-old/node.sock");
    NodeDaemon second(secondSocket, m_dir->filePath("data-old"), {}, otherEngine);
    QVERIFY2(first.started() && second.started(), qPrintable(first.output() + second.output()));
    auto job = nlohmann::json::parse(shortJob(40));
    job["parallel"] = {{"strategy", "data"}, {"nodes", {"a", "old"}}};
    const QString jobFile = m_dir->filePath("other-build.json");
    { std::ofstream(jobFile.toStdString()) << job.dump(); }
    const auto run = twb::test::runEngine({"client", "--node", "a=" + socket(), "--node",
                                           "old=" + secondSocket, "--rendezvous-host",
                                           "127.0.0.1", "submit", jobFile, "--watch"},
                                          60000);
    QCOMPARE(run.exitCode, 1);
    QVERIFY2(QRegularExpression("node old \\(" + QRegularExpression::escape(secondSocket) +
                                "\\): runs engine \\S+ z+, but a runs \\S+ \\S+: every node of a "
                                "job needs the same engine")
                 .match(run.output)
                 .hasMatch(),
             qPrintable(run.output));
    // Nothing started on either node.
    for (const QString& address : {socket(), secondSocket})
      QVERIFY(NodeClient(NodeAddress::parse(address.toStdString()), {}).list().empty());
  }

  void reconnectResumesWithoutGapOrDuplicate() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    const auto job = node.submit(trainRequest(shortJob(600, 2)));
    Watched first, second;
    // The stream is cut by the client after 25 events, mid-job.
    QVERIFY(!node.watch(job.id(), 0, [&](const v1::Event& e) {
      first.add(e);
      return first.seqs.size() != 25;
    }));
    QCOMPARE(node.job(job.id()).state(), v1::RUNNING);
    QVERIFY(node.watch(job.id(), first.seqs.back(), [&](const v1::Event& e) {
      second.add(e);
      return true;
    }));
    std::vector<int64_t> all = first.seqs;
    all.insert(all.end(), second.seqs.begin(), second.seqs.end());
    QVERIFY2(isOneToN(all), "the union of both streams has a gap or a duplicate");
    QCOMPARE(second.finalState(), std::string("succeeded"));
    QCOMPARE(all.back(),
             twb::lastEventSeq(dataDir().toStdString() + "/jobs/" + job.id() + "/events.jsonl"));
  }

  void killedWorkerIsLostAndDaemonServesOn() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    const auto job = node.submit(trainRequest(shortJob(100000)));
    QVERIFY(waitFor([&] { return node.job(job.id()).last_seq() >= 3; }, 30000));
    const int pid = record(dataDir(), job.id()).pid;
    QVERIFY(pid > 0);
    QElapsedTimer sinceKill;
    sinceKill.start();
    QCOMPARE(::kill(pid, SIGKILL), 0);
    QVERIFY(waitFor([&] { return node.job(job.id()).state() == v1::LOST; }, 2000));
    qInfo("lost after %lld ms", static_cast<long long>(sinceKill.elapsed()));
    const v1::JobStatus lost = node.job(job.id());
    QCOMPARE(lost.signal(), SIGKILL);
    QVERIFY2(lost.reason().find("signal 9 (KILL)") != std::string::npos, lost.reason().c_str());
    Watched watched;
    QVERIFY(node.watch(job.id(), 0, [&](const v1::Event& e) {
      watched.add(e);
      return true;
    }));
    QVERIFY(isOneToN(watched.seqs));
    QCOMPARE(watched.finalState(), std::string("lost"));
    QCOMPARE(watched.events.back()["signal"], SIGKILL);

    QVERIFY(!node.info().host().empty());
    const auto next = node.submit(trainRequest(shortJob(20)));
    QVERIFY(node.watch(next.id(), 0, [](const v1::Event&) { return true; }));
    QCOMPARE(node.job(next.id()).state(), v1::SUCCEEDED);
  }

  // A daemon that hangs (stopped) under a watch: the client's keepalive pings go unanswered,
  // and the watch ends with UNAVAILABLE within about two keepalive periods instead of never.
  void aWatchOfAHungDaemonEndsByItsKeepalive() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node(NodeAddress::parse(socket().toStdString()), {}, twb::CertificatePins(),
                    std::chrono::milliseconds(1500));
    const auto job = node.submit(trainRequest(shortJob(100000)));
    QVERIFY(waitFor([&] { return node.job(job.id()).last_seq() >= 3; }, 30000));
    const int64_t seen = node.job(job.id()).last_seq();
    const auto pid = static_cast<pid_t>(daemon.pid());
    QCOMPARE(::kill(pid, SIGSTOP), 0);
    const auto carryOn = [pid] { ::kill(pid, SIGCONT); };
    auto resume = qScopeGuard(carryOn);
    // Without a keepalive the watch would wait for ever: this ends it after 20 s.
    std::mutex mutex;
    std::condition_variable ended;
    bool watchEnded = false;
    std::thread bound([&] {
      std::unique_lock lock(mutex);
      if (!ended.wait_for(lock, std::chrono::seconds(20), [&] { return watchEnded; }))
        node.cancelAll();
    });
    QElapsedTimer timer;
    timer.start();
    const QString error = QString::fromStdString(twb::test::errorOf(
        [&] { node.watch(job.id(), seen, [](const v1::Event&) { return true; }); }));
    const qint64 waited = timer.elapsed();
    {
      std::lock_guard lock(mutex);
      watchEnded = true;
    }
    ended.notify_all();
    bound.join();
    qInfo("the watch ended %lld ms after the daemon stopped: %s", static_cast<long long>(waited),
          qPrintable(error));
    QVERIFY2(error.contains("UNAVAILABLE"), qPrintable(error));
    QVERIFY2(waited < 8000, qPrintable(QString("after %1 ms").arg(waited)));
    // The command line says so, and how to follow the job on.
    const QString id = QString::fromStdString(job.id());
    timer.restart();
    const auto cli = twb::test::runEngine(
        {"client", "--node", socket(), "--keepalive", "1", "watch", id, "--after", "2"}, 30000);
    qInfo("twb-engine client watch ended after %lld ms: %s",
          static_cast<long long>(timer.elapsed()), qPrintable(cli.output));
    QCOMPARE(cli.exitCode, 1);
    QVERIFY2(cli.output.contains("UNAVAILABLE") &&
                 cli.output.contains("the job may still run there: `twb-engine client --node " +
                                     socket() + " watch " + id + " --after 2` follows it on"),
             qPrintable(cli.output));
    carryOn();
    resume.dismiss();
    NodeClient again = client();
    again.cancel(job.id(), true);
    QVERIFY(waitFor([&] { return again.job(job.id()).state() == v1::CANCELLED; }, 30000));
  }

  void restartedDaemonReattachesRunningJob() {
    auto daemon = std::make_unique<NodeDaemon>(socket(), dataDir());
    QVERIFY2(daemon->started(), qPrintable(daemon->output()));
    const auto job = client().submit(trainRequest(shortJob(1500)));
    Watched watched;
    client().watch(job.id(), 0, [&](const v1::Event& e) {
      watched.add(e);
      return watched.seqs.size() != 5;
    });
    daemon->kill();  // a crash: the socket file stays behind, the worker runs on
    const int pid = record(dataDir(), job.id()).pid;
    QCOMPARE(::kill(pid, 0), 0);

    daemon = std::make_unique<NodeDaemon>(socket(), dataDir());
    QVERIFY2(daemon->started(), qPrintable(daemon->output()));
    NodeClient node = client();
    const auto jobs = node.list();
    QCOMPARE(jobs.size(), size_t{1});
    QCOMPARE(jobs[0].id(), job.id());
    QCOMPARE(jobs[0].state(), v1::RUNNING);
    QVERIFY(node.watch(job.id(), watched.seqs.back(), [&](const v1::Event& e) {
      watched.add(e);
      return true;
    }));
    QVERIFY2(isOneToN(watched.seqs), "events lost or doubled across the restart");
    QCOMPARE(watched.finalState(), std::string("succeeded"));
    QVERIFY(waitFor([&] { return node.job(job.id()).state() == v1::SUCCEEDED; }, 2000));
  }

  // A client whose answer was lost asks again with the same submission id: the node answers with
  // the job the first try made, also after a daemon restart (the id is in the job's record).
  void aSubmissionAskedAgainMakesOneJob() {
    auto daemon = std::make_unique<NodeDaemon>(socket(), dataDir());
    QVERIFY2(daemon->started(), qPrintable(daemon->output()));
    v1::SubmitJobRequest request = trainRequest(shortJob(20));
    request.set_submission_id("0b5c6c1e-campaign-1");
    const auto first = client().submit(request);
    QCOMPARE(first.submission_id(), request.submission_id());
    QCOMPARE(client().submit(request).id(), first.id());
    daemon->kill();
    daemon = std::make_unique<NodeDaemon>(socket(), dataDir());
    QVERIFY2(daemon->started(), qPrintable(daemon->output()));
    NodeClient node = client();
    QCOMPARE(node.submit(request).id(), first.id());
    QCOMPARE(node.list().size(), size_t{1});
    QCOMPARE(node.list().front().submission_id(), request.submission_id());
    request.set_submission_id("0b5c6c1e-campaign-2");
    const auto second = node.submit(request);
    QVERIFY(second.id() != first.id());
    request.clear_submission_id();  // without an id, every submission is a job of its own
    const auto third = node.submit(request), fourth = node.submit(request);
    QVERIFY(third.id() != fourth.id());
    QCOMPARE(node.list().size(), size_t{4});
    for (const auto& job : node.list())
      QVERIFY(node.watch(job.id(), 0, [](const v1::Event&) { return true; }));
  }

  void tcpRequiresTheToken() {
    const auto refused = twb::test::runEngine(
        {"serve", "--listen", "tcp:127.0.0.1:0", "--data-dir", dataDir()}, 20000);
    QVERIFY(refused.finished);
    QCOMPARE(refused.exitCode, 1);
    QVERIFY2(refused.output.contains("requires --token-file"), qPrintable(refused.output));

    NodeDaemon daemon("tcp:127.0.0.1:0", dataDir(), {"--token-file", writeToken("token", kToken)});
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    const NodeAddress address = NodeAddress::parse(daemon.address().toStdString());
    QVERIFY(address.port > 0);

    const std::string none = twb::test::errorOf([&] { NodeClient(address, {}, pins()).info(); });
    QVERIFY2(none.find("UNAUTHENTICATED") != std::string::npos, none.c_str());
    const QString wrongFile = writeToken("wrong", "s3cret-token-valuf");
    const std::string wrong = twb::test::errorOf([&] {
      NodeClient(address, twb::AccessToken::fromFile(wrongFile.toStdString()), pins()).list();
    });
    QVERIFY2(wrong.find("UNAUTHENTICATED: wrong token") != std::string::npos, wrong.c_str());
    QCOMPARE(tokenClient(address).info().protocol(), std::string("twb.node.v1"));
  }

  // A TCP node speaks TLS with the certificate it made on its first start; a client pins it on
  // first use (when it accepts) and from then on trusts that certificate only, as SSH does with
  // host keys.
  void tcpNodeCertificateIsPinnedOnFirstUse() {
    const QString token = writeToken("token", kToken);
    auto daemon = std::make_unique<NodeDaemon>("tcp:127.0.0.1:0", dataDir(),
                                               QStringList{"--token-file", token});
    QVERIFY2(daemon->started(), qPrintable(daemon->output()));
    const NodeAddress address = NodeAddress::parse(daemon->address().toStdString());
    const std::string hostPort = "127.0.0.1:" + std::to_string(address.port);
    const std::string fingerprint =
        nlohmann::json::parse(readFile(dataDir() + "/daemon.json"))["certificate"];
    QVERIFY2(daemon->output().contains(QString::fromStdString("TLS certificate " + fingerprint)),
             qPrintable(daemon->output()));
    QCOMPARE(twb::certificateFingerprint(readFile(dataDir() + "/tls/node.crt")), fingerprint);
    QCOMPARE(QFile::permissions(dataDir() + "/tls/node.key"),
             QFile::ReadOwner | QFile::WriteOwner | QFile::ReadUser | QFile::WriteUser);

    const twb::AccessToken access = twb::AccessToken::fromFile(token.toStdString());
    const std::string declined = twb::test::errorOf([&] {
      NodeClient(address, access, twb::CertificatePins(pinsFile(), [](auto&, auto&) {
        return false;
      })).info();
    });
    QVERIFY2(declined.find("not pinned") != std::string::npos &&
                 declined.find(fingerprint) != std::string::npos,
             declined.c_str());
    QVERIFY(!QFile::exists(QString::fromStdString(pinsFile())));

    std::vector<std::string> asked;
    const twb::CertificatePins asking(pinsFile(), [&](const std::string& node,
                                                       const std::string& shown) {
      asked.push_back(node + " " + shown);
      return true;
    });
    QCOMPARE(NodeClient(address, access, asking).info().protocol(), std::string("twb.node.v1"));
    QCOMPARE(NodeClient(address, access, asking).list().size(), size_t(0));
    QCOMPARE(asked, std::vector<std::string>{hostPort + " " + fingerprint});
    QVERIFY(asking.pinned(hostPort).has_value());

    // The node's certificate replaced (another data folder's identity, same address): refused
    // with the warning, before the token is sent.
    daemon.reset();
    QVERIFY(QDir(dataDir() + "/tls").removeRecursively());
    daemon = std::make_unique<NodeDaemon>(QString::fromStdString(address.toString()), dataDir(),
                                          QStringList{"--token-file", token});
    QVERIFY2(daemon->started(), qPrintable(daemon->output()));
    const std::string changed =
        twb::test::errorOf([&] { NodeClient(address, access, asking).info(); });
    QVERIFY2(changed.find("WARNING: the node's certificate has changed") != std::string::npos &&
                 changed.find(pinsFile()) != std::string::npos,
             changed.c_str());
    QCOMPARE(asked.size(), size_t(1));

    // The CLI asks nobody without a terminal: it refuses, unless told to trust a new node.
    const QString cliPins = m_dir->filePath("cli_known_nodes");
    const QStringList info{"client", "--node", daemon->address(), "--token-file", token,
                           "--known-nodes", cliPins};
    const auto refusedByCli = twb::test::runEngine(info + QStringList{"info"}, 20000);
    QCOMPARE(refusedByCli.exitCode, 1);
    QVERIFY2(refusedByCli.output.contains("--trust-new-node"), qPrintable(refusedByCli.output));
    const auto trusted =
        twb::test::runEngine(info + QStringList{"--trust-new-node", "info"}, 20000);
    QVERIFY2(trusted.exitCode == 0 && trusted.output.contains("pinned the certificate"),
             qPrintable(trusted.output));
    QVERIFY2(twb::test::runEngine(info + QStringList{"info"}, 20000).exitCode == 0,
             "a pinned node is trusted");
  }

  // The token and the jobs cross the network inside TLS: a capture of a whole session on the
  // loopback holds the TLS handshake (its server name is sent in clear) but not the token.
  void tokenIsNotSentInClearOverTcp() {
    NodeDaemon daemon("tcp:127.0.0.1:0", dataDir(), {"--token-file", writeToken("token", kToken)});
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    const NodeAddress address = NodeAddress::parse(daemon.address().toStdString());
    const QString capture = m_dir->filePath("session.pcap");
    QProcess tcpdump;
    tcpdump.setProcessChannelMode(QProcess::MergedChannels);
    tcpdump.start("tcpdump", {"-i", "lo", "-U", "-Z", "root", "-w", capture, "tcp", "port",
                              QString::number(address.port)});
    QVERIFY2(tcpdump.waitForStarted(5000), "tcpdump (Debian package tcpdump) is needed");
    QVERIFY2(waitFor([&] {
               tcpdump.waitForReadyRead(50);
               return tcpdump.readAll().contains("listening on") || QFile::exists(capture);
             }, 10000), "tcpdump did not start capturing");
    QThread::msleep(300);
    NodeClient node = tokenClient(address);
    const auto job = node.submit(trainRequest(shortJob(5)));
    QVERIFY(node.watch(job.id(), 0, [](const v1::Event&) { return true; }));
    QThread::msleep(300);
    tcpdump.terminate();
    QVERIFY(tcpdump.waitForFinished(5000));
    const std::string packets = readFile(capture);
    QVERIFY2(packets.size() > 4000, qPrintable(QString("capture of %1 bytes").arg(packets.size())));
    QVERIFY(packets.find(twb::kNodeCertificateName) != std::string::npos);
    QVERIFY2(packets.find(kToken) == std::string::npos, "the token crossed the network in clear");
    QVERIFY(packets.find("fashion-mnist") == std::string::npos);
  }

  void badNodeCertificateFilesAreNamed() {
    const QString token = writeToken("token", kToken);
    { NodeDaemon first("tcp:127.0.0.1:0", dataDir(), {"--token-file", token}); }
    const QString key = dataDir() + "/tls/node.key", certificate = dataDir() + "/tls/node.crt";
    const auto serve = [&] {
      return twb::test::runEngine({"serve", "--listen", "tcp:127.0.0.1:0", "--data-dir",
                                   dataDir(), "--token-file", token}, 20000);
    };
    QFile::setPermissions(key, QFile::permissions(key) | QFile::ReadOther);
    auto run = serve();
    QVERIFY2(run.exitCode == 1 && run.output.contains(key) && run.output.contains("chmod 600"),
             qPrintable(run.output));
    QFile::setPermissions(key, QFile::ReadOwner | QFile::WriteOwner);
    { std::ofstream(certificate.toStdString()) << "-----BEGIN CERTIFICATE-----\nnot one\n"; }
    run = serve();
    QVERIFY2(run.exitCode == 1 && run.output.contains(certificate + ": not a PEM certificate"),
             qPrintable(run.output));
  }

  void unsafeSocketFolderIsRefused() {
    const QString open = m_dir->filePath("open");
    QDir().mkpath(open);
    QFile::setPermissions(open, QFile::ReadOwner | QFile::WriteOwner | QFile::ExeOwner |
                                    QFile::ReadOther | QFile::ExeOther);
    NodeDaemon daemon("unix:" + open + "/node.sock", dataDir());
    QVERIFY(!daemon.started());
    QVERIFY2(daemon.output().contains("chmod 700"), qPrintable(daemon.output()));
    // A data folder that cannot be made is named as such (it was "filesystem error: ...").
    const QString file = m_dir->filePath("a-file");
    { std::ofstream(file.toStdString()) << "not a folder"; }
    NodeDaemon onAFile(socket(), file + "/data");
    QVERIFY(!onAFile.started());
    QVERIFY2(
        onAFile.output().contains("error: " + file + "/data: cannot make the node's data folder: "),
        qPrintable(onAFile.output()));
  }

  // A client of a socket no daemon made says so, and how to start one; a socket file that is
  // there but has no daemon behind it keeps gRPC's own words.
  void aSocketWithoutADaemonIsSaidPlainly() {
    const std::string missing = twb::test::errorOf([&] { client().info(); });
    const std::string expected = socket().toStdString() + ": no node service listens here (" +
                                 socket().mid(5).toStdString() +
                                 " does not exist); start one "
                                 "with `twb-engine serve --listen " +
                                 socket().toStdString() + "`";
    QVERIFY2(missing == expected, missing.c_str());
    QVERIFY(QDir().mkpath(m_dir->filePath("run")));
    QFile stale(socket().mid(5));  // left by a daemon that was killed
    QVERIFY(stale.open(QIODevice::WriteOnly));
    stale.close();
    const std::string refused = twb::test::errorOf([&] { client().info(); });
    QVERIFY2(refused.find("UNAVAILABLE") != std::string::npos, refused.c_str());
  }

  // GetNodeInfo says what each precision's matmul peaks at here (bf16 only where the CPU runs
  // it), measured once and then read from the data folder by the daemons after.
  void nodeInfoCarriesPrecisionPeaks() {
    std::map<std::string, double> peaks;
    {
      NodeDaemon daemon(socket(), dataDir());
      QVERIFY2(daemon.started(), qPrintable(daemon.output()));
      const v1::NodeInfo info = client().info();
      for (const auto& peak : info.peaks()) peaks[peak.precision()] = peak.gflops();
      std::set<std::string> precisions(info.precisions().begin(), info.precisions().end());
      QCOMPARE(precisions.count("bf16") == 1, twb::bf16Unavailable().empty());
      QCOMPARE(info.bf16_unavailable(), twb::bf16Unavailable());
      for (const std::string& p : precisions)
        QVERIFY2(peaks.count(p) && peaks[p] > 1, (p + " peak missing or implausible").c_str());
      QCOMPARE(peaks.size(), precisions.size());
      qInfo("matmul peaks: fp32 %.1f, int8 %.1f GFLOP/s", peaks["fp32"], peaks["int8"]);
    }
    // The next daemon reads the figures it finds for this machine instead of measuring.
    QFile cache(dataDir() + "/peaks.json");
    QVERIFY(cache.open(QIODevice::ReadOnly));
    auto json = nlohmann::json::parse(cache.readAll().toStdString());
    cache.close();
    json["gflops"]["fp32"] = 1234.5;
    QVERIFY(cache.open(QIODevice::WriteOnly | QIODevice::Truncate));
    cache.write(QByteArray::fromStdString(json.dump()));
    cache.close();
    NodeDaemon again(socket(), dataDir());
    QVERIFY2(again.started(), qPrintable(again.output()));
    bool cached = false;
    const v1::NodeInfo info = client().info();
    for (const auto& peak : info.peaks())
      cached |= peak.precision() == "fp32" && peak.gflops() == 1234.5;
    QVERIFY(cached);
  }

  void oneDaemonPerDataFolder() {
    NodeDaemon first(socket(), dataDir());
    QVERIFY2(first.started(), qPrintable(first.output()));
    NodeDaemon second("unix:" + m_dir->filePath("run/other.sock"), dataDir());
    QVERIFY(!second.started());
    QVERIFY2(second.output().contains("another daemon serves this data folder"),
             qPrintable(second.output()));
    QCOMPARE(client().info().protocol(), std::string("twb.node.v1"));  // the first serves on
  }

  void invalidJobsNameTheField() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    auto job = nlohmann::json::parse(shortJob(10));
    const auto rejected = [&](const nlohmann::json& bad) {
      return twb::test::errorOf([&] { node.submit(trainRequest(bad.dump())); });
    };
    auto badType = job;
    badType["batch"] = "big";
    QCOMPARE(rejected(badType),
             "unix:" + m_dir->filePath("run/node.sock").toStdString() +
                 ": INVALID_ARGUMENT: job: batch: must be an integer, got a string");
    auto badTemplate = job;
    badTemplate["model"] = {{"template", "resnet9000"}};
    QVERIFY(rejected(badTemplate)
                .find("INVALID_ARGUMENT: job: model.template: unknown template 'resnet9000'") !=
            std::string::npos);
    auto badShape = job;
    badShape["model"]["args"]["input"] = {3, 32, 32};
    QVERIFY(rejected(badShape).find("INVALID_ARGUMENT: job: model: input 'image' has shape [3, 32, "
                                    "32] but fashion-mnist has samples of [1, 28, 28]") !=
            std::string::npos);
    const std::string syntax =
        twb::test::errorOf([&] { node.submit(trainRequest("{\"batch\": 64,")); });
    QVERIFY2(syntax.find("INVALID_ARGUMENT: job_json") != std::string::npos, syntax.c_str());
    QVERIFY(node.list().empty());  // nothing was queued

    v1::ValidateJobRequest validate;
    validate.set_job_json(badShape.dump());
    const auto problems = node.validate(validate);
    QVERIFY(!problems.ok());
    QCOMPARE(problems.problems(0).path(), std::string("model"));
    // A device the node lacks (no GPU here, or fewer than eight) is refused at its field, both
    // when checked and when submitted.
    auto eighthGpu = job;
    eighthGpu["device"] = "cuda:7";
    validate.set_job_json(eighthGpu.dump());
    const auto noDevice = node.validate(validate);
    QVERIFY(!noDevice.ok());
    QCOMPARE(noDevice.problems(0).path(), std::string("device"));
    QVERIFY2(noDevice.problems(0).message().starts_with("device: cuda:7 "),
             noDevice.problems(0).message().c_str());
    QVERIFY(rejected(eighthGpu).find("INVALID_ARGUMENT: job: device: cuda:7 ") != std::string::npos);
    validate.set_job_json(job.dump());
    const auto ok = node.validate(validate);
    QVERIFY(ok.ok());
    QCOMPARE(ok.parameters(), int64_t{784 * 512 + 512 + 512 * 256 + 256 + 256 * 10 + 10});
    QCOMPARE(ok.total_steps(), int64_t{10});
    QCOMPARE(ok.output_shape_size(), 1);
    QCOMPARE(ok.output_shape(0), int64_t{10});
    QCOMPARE(ok.trained_parameters(), ok.parameters());
    // fc1's forward and weight gradient (the image wants none), fc2's three passes, and more.
    const double fc1 = 2.0 * 128 * 784 * 512, fc2 = 2.0 * 128 * 512 * 256;
    QVERIFY(ok.flops_per_step() > 2 * fc1 + 3 * fc2);
    // Fine-tuning the classifier alone: the model's forward, and the classifier's weight gradient.
    auto headOnly = job;
    headOnly["freeze"] = {"fc*"};
    validate.set_job_json(headOnly.dump());
    const auto frozen = node.validate(validate);
    QVERIFY(frozen.ok());
    QCOMPARE(frozen.parameters(), ok.parameters());
    QCOMPARE(frozen.trained_parameters(), int64_t{256 * 10 + 10});
    QVERIFY(frozen.flops_per_step() > fc1 + fc2);
    QVERIFY(frozen.flops_per_step() < 1.1 * (fc1 + fc2));

    const std::string missing =
        twb::test::errorOf([&] { node.watch("j9999", 0, [](const v1::Event&) { return true; }); });
    QVERIFY2(missing.find("NOT_FOUND: id: no job 'j9999'") != std::string::npos, missing.c_str());
    const std::string traversal = twb::test::errorOf([&] {
      v1::SubmitJobRequest request = trainRequest(job.dump());
      auto* file = request.add_files();
      file->set_name("../../escape.txt");
      node.submit(request);
    });
    QVERIFY2(traversal.find("files[0].name") != std::string::npos, traversal.c_str());

    // Refused submissions take no job id: the first job accepted is j0001, the next j0002. A
    // stream's last batch says how the job ended, also when the events all went out before.
    const auto first = node.submit(trainRequest(job.dump()));
    QCOMPARE(first.id(), std::string("j0001"));
    v1::JobState ended = v1::JOB_STATE_UNSPECIFIED;
    QVERIFY(node.watch(first.id(), 0, [](const v1::Event&) { return true; }, &ended));
    QCOMPARE(ended, v1::SUCCEEDED);
    int after = 0;
    ended = v1::JOB_STATE_UNSPECIFIED;
    QVERIFY(node.watch(first.id(), node.job(first.id()).last_seq(), [&after](const v1::Event&) {
      ++after;
      return true;
    }, &ended));
    QCOMPARE(after, 0);
    QCOMPARE(ended, v1::SUCCEEDED);
    QVERIFY(!rejected(badType).empty());
    QCOMPARE(node.submit(trainRequest(job.dump())).id(), std::string("j0002"));
  }

  void fiftyWatchersEachGetEveryEvent() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    const auto job = client().submit(trainRequest(shortJob(400, 2)));
    std::vector<Watched> watched(50);
    std::vector<std::thread> watchers;
    std::atomic<int> failures{0};
    for (auto& w : watched)
      watchers.emplace_back([&] {
        try {
          client().watch(job.id(), 0, [&](const v1::Event& e) {
            w.add(e);
            return true;
          });
        } catch (const twb::Error&) {
          ++failures;
        }
      });
    for (auto& t : watchers) t.join();
    QCOMPARE(failures.load(), 0);
    const int64_t last = client().job(job.id()).last_seq();
    QVERIFY(last > 200);
    for (const auto& w : watched) {
      QVERIFY(isOneToN(w.seqs));
      QCOMPARE(w.seqs.back(), last);
      QCOMPARE(w.finalState(), std::string("succeeded"));
    }
  }

  // Cancelled at once (another node's share of its data-parallel job failed), the worker is
  // killed without the checkpoint of a graceful stop, which its ranks could not reach.
  void cancelAtOnceKillsTheWorker() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    auto unsaved = nlohmann::json::parse(shortJob(100000));
    unsaved["checkpoint"]["every_steps"] = 1000000;  // so that any checkpoint is the stop's
    const auto job = node.submit(trainRequest(unsaved.dump()));
    QVERIFY(waitFor([&] { return node.job(job.id()).last_seq() >= 3; }, 30000));
    node.cancel(job.id(), true);
    Watched watched;
    QVERIFY(node.watch(job.id(), 0, [&](const v1::Event& e) {
      watched.add(e);
      return true;
    }));
    const v1::JobStatus ended = node.job(job.id());
    QCOMPARE(ended.state(), v1::CANCELLED);
    QCOMPARE(ended.signal(), SIGKILL);
    QCOMPARE(ended.reason(), std::string("killed at once: another part of the job failed"));
    QCOMPARE(watched.finalState(), std::string("cancelled"));
    for (const auto& a : node.artifacts(job.id()))
      QVERIFY2(!a.name().starts_with("checkpoints/"), a.name().c_str());
  }

  void cancelStopsWithCheckpoint() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    const auto job = node.submit(trainRequest(shortJob(100000)));
    QVERIFY(waitFor([&] { return node.job(job.id()).last_seq() >= 3; }, 30000));
    QElapsedTimer sinceCancel;
    sinceCancel.start();
    node.cancel(job.id());
    Watched watched;
    QVERIFY(node.watch(job.id(), 0, [&](const v1::Event& e) {
      watched.add(e);
      return true;
    }));
    // The worker heard the SIGTERM (the daemon's own signal mask is not passed on) and stopped at
    // the next step with a checkpoint, well before the daemon's 15 s SIGKILL fallback.
    QVERIFY2(sinceCancel.elapsed() < 5000, qPrintable(QString::number(sinceCancel.elapsed())));
    QCOMPARE(watched.finalState(), std::string("cancelled"));
    QVERIFY2(watched.events.back().contains("checkpoint"), watched.events.back().dump().c_str());
    QCOMPARE(node.job(job.id()).state(), v1::CANCELLED);
    bool checkpoint = false, model = false;  // and the model as trained so far, for Export
    for (const auto& a : node.artifacts(job.id())) {
      checkpoint |= a.name().starts_with("checkpoints/");
      model |= a.name() == "model.twbm" && a.size_bytes() > 0;
    }
    QVERIFY(checkpoint);
    QVERIFY(model);
    QVERIFY2(watched.events.back().value("model", "").ends_with("/model.twbm"),
             watched.events.back().dump().c_str());

    // A new job continues from that checkpoint: its first step follows the cancelled one's last.
    const int64_t stoppedAt = watched.events.back()["step"];
    v1::SubmitJobRequest resume = trainRequest(shortJob(stoppedAt + 20, 1));
    resume.mutable_train()->set_resume_job(job.id());
    const auto resumed = node.submit(resume);
    Watched continued;
    QVERIFY(node.watch(resumed.id(), 0, [&](const v1::Event& e) {
      continued.add(e);
      return true;
    }));
    QCOMPARE(continued.finalState(), std::string("succeeded"));
    std::vector<int64_t> steps;
    for (const auto& e : continued.events)
      if (e["type"] == "step") steps.push_back(e["step"]);
    QCOMPARE(static_cast<int64_t>(steps.size()), int64_t{20});
    QCOMPARE(steps.front(), stoppedAt + 1);

    // What cannot be resumed is refused, naming the field.
    v1::SubmitJobRequest unknown = trainRequest(shortJob(10));
    unknown.mutable_train()->set_resume_job("j9999");
    const std::string refused = twb::test::errorOf([&] { node.submit(unknown); });
    QVERIFY2(refused.find("INVALID_ARGUMENT: train.resume_job: no job 'j9999' on this node") !=
                 std::string::npos,
             refused.c_str());
    // So is a continuation whose steps would take another number of samples.
    auto doubled = nlohmann::json::parse(shortJob(stoppedAt + 40, 1));
    const int batch = doubled["batch"];
    doubled["batch"] = 2 * batch;
    v1::SubmitJobRequest otherBatch = trainRequest(doubled.dump());
    otherBatch.mutable_train()->set_resume_job(job.id());
    const size_t jobsBefore = node.list().size();
    const std::string otherSize = twb::test::errorOf([&] { node.submit(otherBatch); });
    const std::string expected = "INVALID_ARGUMENT: train.resume_job: ";
    QVERIFY2(otherSize.find(expected) != std::string::npos &&
                 otherSize.find(": was written by a run of " + std::to_string(batch) +
                                " samples a step, this one takes " + std::to_string(2 * batch)) !=
                     std::string::npos,
             otherSize.c_str());
    QCOMPARE(node.list().size(), jobsBefore);  // refused before it was queued
  }

  void quantizeAndExportRunAsJobs() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    const auto trained = node.submit(trainRequest(shortJob(300)));
    QVERIFY(node.watch(trained.id(), 0, [](const v1::Event&) { return true; }));

    v1::SubmitJobRequest quantize;
    quantize.mutable_quantize()->mutable_model()->set_job(trained.id());
    quantize.mutable_quantize()->set_samples(128);
    quantize.mutable_quantize()->set_observer("magic");
    const std::string badObserver = twb::test::errorOf([&] { node.submit(quantize); });
    QVERIFY2(badObserver.find("INVALID_ARGUMENT: quantize.observer: 'magic'") != std::string::npos,
             badObserver.c_str());
    // `client quantize` says the node's refusals as its options: the field set by --calib,
    // --artifact, JOB_ID.
    const QString id = QString::fromStdString(trained.id());
    for (const auto& [options, error] : std::vector<std::pair<QStringList, QString>>{
             {{"--calib", "nosuchdata"}, "--calib: unknown dataset 'nosuchdata'"},
             {{"--artifact", "nosuch.twbm"},
              "--artifact: job " + id + " has no artifact 'nosuch.twbm'"}}) {
      const auto run = twb::test::runEngine(
          QStringList{"client", "--node", socket(), "quantize", id} + options, 60000);
      QCOMPARE(run.exitCode, 1);
      QVERIFY2(run.output.contains(error) && run.output.contains("(refused by " + socket() + ")"),
               qPrintable(run.output));
    }
    const auto noJob =
        twb::test::runEngine({"client", "--node", socket(), "export", "j9999"}, 60000);
    QVERIFY2(noJob.output.contains("JOB_ID: no job 'j9999' on this node"),
             qPrintable(noJob.output));
    quantize.mutable_quantize()->set_observer("minmax");
    const auto int8 = node.submit(quantize);
    QCOMPARE(int8.kind(), std::string("quantize"));
    Watched watched;
    QVERIFY(node.watch(int8.id(), 0, [&](const v1::Event& e) {
      watched.add(e);
      return true;
    }));
    QCOMPARE(watched.finalState(), std::string("succeeded"));
    bool progress = false, report = false;
    for (const auto& e : watched.events) {
      progress |= e["type"] == "progress";
      if (e["type"] == "quantize") {
        report = true;
        QVERIFY(e["int8_bytes"].get<double>() * 3.5 < e["fp32_bytes"].get<double>());
        QVERIFY(e["fp32_accuracy"].get<double>() - e["int8_accuracy"].get<double>() < 0.01);
      }
    }
    QVERIFY(progress && report);
    const QString int8Model = m_dir->filePath("int8.twbm");
    node.download(int8.id(), "model-int8.twbm", int8Model.toStdString());
    QVERIFY(twb::loadModel(int8Model.toStdString()).quant.has_value());
    // Only of its own train jobs' models does the node know the data; any other model is
    // calibrated on data named by the caller.
    v1::SubmitJobRequest requantize;
    requantize.mutable_quantize()->mutable_model()->set_job(int8.id());
    requantize.mutable_quantize()->mutable_model()->set_artifact("model-int8.twbm");
    const std::string noData = twb::test::errorOf([&] { node.submit(requantize); });
    QVERIFY2(noData.find("INVALID_ARGUMENT: quantize.calibration: required") != std::string::npos,
             noData.c_str());

    v1::SubmitJobRequest exportRequest;
    exportRequest.mutable_export_()->mutable_model()->set_job(int8.id());
    exportRequest.mutable_export_()->mutable_model()->set_artifact("model-int8.twbm");
    const auto exported = node.submit(exportRequest);
    QVERIFY(node.watch(exported.id(), 0, [](const v1::Event&) { return true; }));
    QCOMPARE(node.job(exported.id()).state(), v1::SUCCEEDED);
    const auto artifacts = node.artifacts(exported.id());
    QCOMPARE(artifacts.size(), size_t{1});
    QCOMPARE(artifacts[0].name(), std::string("model-int8.onnx"));
    QVERIFY(artifacts[0].size_bytes() > 100000);
  }

  void clientCommandStreamsJsonLines() {
    NodeDaemon daemon(socket(), dataDir());
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    const QString job = m_dir->filePath("short.json");
    { std::ofstream(job.toStdString()) << shortJob(50); }
    const auto run = twb::test::runEngine(
        {"client", "--node", socket(), "submit", job, "--watch", "--json"}, 120000);
    QVERIFY2(run.finished && run.exitCode == 0, qPrintable(run.output));
    std::vector<int64_t> seqs;
    std::string last;
    for (const QString& line : run.output.split('\n', Qt::SkipEmptyParts)) {
      const auto event = nlohmann::json::parse(line.toStdString(), nullptr, false);
      QVERIFY2(event.is_object(), qPrintable("not a JSON event: " + line));
      seqs.push_back(event["seq"]);
      if (event["type"] == "state") last = event["state"];
    }
    QVERIFY(isOneToN(seqs));
    QCOMPARE(last, std::string("succeeded"));
    const auto failed =
        twb::test::runEngine({"client", "--node", socket(), "watch", "j4242"}, 60000);
    QCOMPARE(failed.exitCode, 1);
    QVERIFY2(failed.output.contains("NOT_FOUND: id: no job 'j4242'"), qPrintable(failed.output));
  }

  // `client cancel` says what it did to the job; `client download` does not replace a file of
  // the user's that only has the artifact's name, and a download its caller cancels leaves
  // nothing behind.
  void clientCancelsAndDownloadsAsAsked() {
    NodeDaemon daemon(socket(), dataDir());  // one job at a time: the second waits queued
    QVERIFY2(daemon.started(), qPrintable(daemon.output()));
    NodeClient node = client();
    const QString running =
        QString::fromStdString(node.submit(trainRequest(shortJob(100000))).id());
    const QString queued = QString::fromStdString(node.submit(trainRequest(shortJob(10))).id());
    QVERIFY(waitFor([&] { return node.job(running.toStdString()).last_seq() >= 3; }, 30000));
    const auto clientSays = [&](const QStringList& args) {
      const auto run =
          twb::test::runEngine(QStringList{"client", "--node", socket()} + args, 60000);
      return QString::number(run.exitCode) + " " + run.output.trimmed();
    };
    QCOMPARE(clientSays({"cancel", queued}), "0 job " + queued + ": cancelled before it started");
    QCOMPARE(clientSays({"cancel", running}),
             "0 job " + running + ": stopping at its next step, with a checkpoint (client watch " +
                 running + " follows it)");
    QVERIFY(node.watch(running.toStdString(), 0, [](const v1::Event&) { return true; }));
    const QString finished = QString::fromStdString(node.submit(trainRequest(shortJob(5))).id());
    QVERIFY(node.watch(finished.toStdString(), 0, [](const v1::Event&) { return true; }));
    QCOMPARE(clientSays({"cancel", finished}),
             "0 job " + finished + " had already ended (succeeded): nothing to cancel");

    // The artifact's own name: written where no file has it, refused where the user has one.
    QVERIFY(QDir(m_dir->path()).mkpath("fresh") && QDir(m_dir->path()).mkpath("mine"));
    { std::ofstream(m_dir->filePath("mine/model.twbm").toStdString()) << "my own model"; }
    const QString before = QDir::currentPath();
    QVERIFY(QDir::setCurrent(m_dir->filePath("fresh")));
    const QString written = clientSays({"download", finished, "model.twbm"});
    QVERIFY(QDir::setCurrent(m_dir->filePath("mine")));
    const QString refused = clientSays({"download", finished, "model.twbm"});
    QVERIFY(QDir::setCurrent(before));
    const qint64 bytes = QFileInfo(m_dir->filePath("fresh/model.twbm")).size();
    QVERIFY(bytes > 1000);
    QCOMPARE(written,
             "0 " + finished + " model.twbm -> model.twbm (" + QString::number(bytes) + " bytes)");
    QCOMPARE(refused,
             "1 error: model.twbm: already exists here; name the file to write with "
             "--out (--out model.twbm replaces it)");
    QCOMPARE(readFile(m_dir->filePath("mine/model.twbm")), "my own model");

    // Cancelled after its first chunk: an error naming the file, and no file or part of one.
    const std::string cancelled = m_dir->filePath("cancelled.twbm").toStdString();
    int64_t chunks = 0;
    const std::string error = twb::test::errorOf([&] {
      node.download(finished.toStdString(), "model.twbm", cancelled,
                    [&](int64_t, int64_t) { return ++chunks < 1; });
    });
    QCOMPARE(error, cancelled + ": download cancelled");
    QCOMPARE(chunks, int64_t{1});
    QVERIFY(!QFile::exists(QString::fromStdString(cancelled)));
    QVERIFY(!QFile::exists(QString::fromStdString(cancelled + ".tmp")));
  }

  void tornLastRecordIsIgnored() {
    const std::string path = m_dir->filePath("torn.jsonl").toStdString();
    {
      std::ofstream out(path);
      out << "{\"seq\":1,\"type\":\"log\",\"time\":1.0}\n"
          << "garbage that is not json\n"
          << "{\"seq\":2,\"type\":\"log\",\"time\":2.0}\n"
          << "{\"seq\":3,\"type\":\"st";  // cut by a power failure
    }
    twb::EventLogReader reader(path);
    const auto records = reader.readNew();
    QCOMPARE(records.size(), size_t{2});
    QCOMPARE(records[1].seq, int64_t{2});
    QCOMPARE(twb::lastEventSeq(path), int64_t{2});
    { std::ofstream(path, std::ios::app) << "ate\",\"time\":3.0}\n"; }
    const auto completed = reader.readNew(2);
    QCOMPARE(completed.size(), size_t{1});
    QCOMPARE(completed[0].type, std::string("state"));
  }
};

QTEST_GUILESS_MAIN(NodeServiceTest)
#include "tst_node_service.moc"
