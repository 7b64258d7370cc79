#include "app/workbench_controller.h"

#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QThreadPool>
#include <QUuid>

#include "app/job_document.h"
#include "app/node_manager.h"
#include "app/run_summary.h"
#include "app/sweep_check.h"
#include "remote/node_jobs.h"
#include "remote/remote_error.h"
#include "sweep/sweep_plan.h"

namespace twb {
namespace app {

namespace {
// A job "across" one node (the first trial of a scaling study across nodes) runs on that node,
// without the list: a node takes parallel.nodes only with its placement among them.
QJsonObject onItsOneNode(QJsonObject job, QString& node) {
  QJsonObject parallel = job.value("parallel").toObject();
  const QJsonArray listed = parallel.value("nodes").toArray();
  if (listed.size() != 1) return job;
  node = listed.first().toString();
  parallel.remove("nodes");
  job["parallel"] = parallel;
  return job;
}

int ranksPerNode(const QJsonObject& job) {
  return job.value("parallel").toObject().value("ranks_per_node").toInt(1);
}

// The model file a run leaves on its node.
QString modelArtifact(const Run& run) {
  return runKind(run) == "quantize" ? "model-int8.twbm" : "model.twbm";
}
}  // namespace

WorkbenchController::WorkbenchController(ExperimentStore& store,
                                         std::shared_ptr<remote::NodeEndpoint> node,
                                         QObject* parent)
    : QObject(parent), m_store(store), m_node(std::move(node)) {
  m_store.setWriteErrorListener([this](const QString& message) {
    QMetaObject::invokeMethod(this, [this, message] { emit storeWriteFailed(message); },
                              Qt::QueuedConnection);
  });
}

WorkbenchController::~WorkbenchController() {
  m_store.setWriteErrorListener({});
  QThreadPool::globalInstance()->waitForDone();
}

qint64 WorkbenchController::projectId() {
  if (m_project) return m_project;
  const auto projects = m_store.projects();
  m_project = projects.isEmpty() ? m_store.addProject(tr("Default project")) : projects.front().id;
  return m_project;
}

void WorkbenchController::setNodeManager(NodeManager* nodes) {
  if (m_nodes) disconnect(m_nodes, nullptr, this, nullptr);
  m_nodes = nodes;
  if (!m_nodes) return;
  connect(m_nodes, &NodeManager::checked, this, [this](const QString& name, const QString& health) {
    if (const auto entry = m_nodes->find(name); entry && health == "ok") m_store.saveNode(name, entry->info);
  });
}

std::shared_ptr<remote::NodeEndpoint> WorkbenchController::endpointFor(const QString& node) {
  if (node.isEmpty() || node == "local") return m_node;
  if (!m_nodes)  // a name of another workbench's: never quietly the local node
    throw remote::RemoteError(
        ("no node named '" + node + "' (only the local node is known)").toStdString(), false);
  return m_nodes->endpoint(node);
}

qint64 WorkbenchController::startRun(const QString& name, const QJsonObject& asked,
                                     const QString& askedNode, const QString& resumeJob,
                                     qint64 projectId) {
  Run run;
  run.projectId = projectId;
  run.name = name;
  return submitRun(run, asked, askedNode, resumeJob);
}

qint64 WorkbenchController::submitRun(Run run, const QJsonObject& asked, const QString& askedNode,
                                      const QString& resumeJob) {
  QString node = askedNode;
  const QJsonObject job = onItsOneNode(asked, node);
  run.jobJson = QString::fromUtf8(QJsonDocument(job).toJson());
  run.precision = job.value("precision").toString("fp32");
  if (const QStringList nodes = nodesAcross(job); !nodes.isEmpty())
    return launchAcrossNodes(run, job, nodes, resumeJob);
  remote::TrainingRequest request{run.jobJson, resumeJob, {}};
  // This machine's node reads the job's relative paths from the job file's folder; a resumed
  // job keeps the folder its first job had (the node knows it, the run came with it).
  if (resumeJob.isEmpty() && endpointFor(node) == m_node)
    run.jobFolder = request.jobFolder = m_jobFolder;
  return launch(run, request, node);
}

qint64 WorkbenchController::launchAcrossNodes(const Run& prepared, const QJsonObject& job,
                                              const QStringList& names, const QString& resumeJob) {
  Run run = prepared;
  if (!run.projectId) run.projectId = projectId();
  run.node = names.front();  // rank 0's: the run's checkpoints, model and trace are there
  std::vector<remote::JobNode> nodes;
  QString problem;
  for (const QString& name : names) {
    try {
      nodes.push_back({name, endpointFor(name)});
    } catch (const std::exception& e) {
      problem = tr("parallel.nodes: %1").arg(QString::fromUtf8(e.what()));
    }
  }
  const qint64 runId = run.id = m_store.addRun(run);
  for (int i = 0; i < names.size(); ++i)
    m_store.setRunShare(runId, {i, names[i], i * ranksPerNode(job), {}});
  emit runAdded(run);
  if (!problem.isEmpty()) {
    m_store.setRunState(runId, RunState::Failed, {}, problem);
    emit runStateChanged(runId, RunState::Failed);
    emit runFailed(runId, problem);
    return runId;
  }
  attachAcrossNodes(runId, std::move(nodes), ranksPerNode(job)).submit(run.jobJson, resumeJob);
  return runId;
}

remote::MultiNodeDispatcher& WorkbenchController::attachAcrossNodes(qint64 runId,
                                                                    std::vector<remote::JobNode> nodes,
                                                                    int ranksPerNode) {
  using remote::MultiNodeDispatcher;
  Active& active = m_runs[runId];
  active.acrossNodes = std::make_unique<MultiNodeDispatcher>(std::move(nodes));
  MultiNodeDispatcher* dispatcher = active.acrossNodes.get();
  active.recorder = std::make_unique<RunRecorder>(m_store, *dispatcher, runId, ranksPerNode);
  // The Monitor follows rank 0's stream: its step events carry every rank's times.
  connect(dispatcher, &MultiNodeDispatcher::eventReceived, this,
          [this, runId](int node, const QString&, qint64 seq, const QString& type, const QByteArray& json) {
            if (node == 0) emit eventArrived(runId, seq, type, json);
          });
  connect(dispatcher, &MultiNodeDispatcher::submitted, this, [this, runId](int node, const QString&) {
    if (node == 0) emit runStateChanged(runId, RunState::Running);
  });
  connect(dispatcher, &MultiNodeDispatcher::finished, this,
          [this, runId](RunState state, const QString& reason) {
            if (state == RunState::Failed) emit runFailed(runId, reason);
            finished(runId, state);
          });
  connect(dispatcher, &MultiNodeDispatcher::refused, this, [this, runId](const QString& message) {
    emit runStateChanged(runId, RunState::Failed);
    emit runFailed(runId, message);
  });
  connect(dispatcher, &MultiNodeDispatcher::connectionLost, this,
          [this, runId, dispatcher](int node, const QString& reason, int attempt, int retryInMs) {
            emit connectionLost(runId, dispatcher->nodeName(node), reason, attempt, retryInMs);
          });
  connect(dispatcher, &MultiNodeDispatcher::reconnected, this,
          [this, runId, dispatcher](int node) { emit reconnected(runId, dispatcher->nodeName(node)); });
  return *dispatcher;
}

qint64 WorkbenchController::resumeRun(qint64 runId) {
  const Run run = m_store.run(runId);
  const bool stopped = run.state == RunState::Cancelled || run.state == RunState::Lost || run.state == RunState::Failed;
  if (!stopped || runKind(run) != "train" || run.nodeJobId.isEmpty()) return 0;
  const QString suffix = tr(" (resumed)");
  Run resumed;
  resumed.name = run.name.endsWith(suffix) ? run.name : run.name + suffix;
  resumed.jobFolder = run.jobFolder;  // where its node read the job's paths: a clone reads them
  return submitRun(resumed, QJsonDocument::fromJson(run.jobJson.toUtf8()).object(), run.node,
                   run.nodeJobId);
}

qint64 WorkbenchController::comparePrecisions(const QJsonObject& job, const QString& node,
                                              const QuantizeSettings& int8) {
  // A node that said it cannot run bf16 trains fp32 alone; its int8 run still follows.
  const QString nodeName = node.isEmpty() ? QString("local") : node;
  const QJsonObject info = m_store.node(nodeName);
  QStringList precisions{"fp32", "bf16"};
  if (info.contains("precisions") && !info.value("precisions").toArray().contains("bf16")) {
    precisions.removeOne("bf16");
    emit notice(tr("%1 cannot train in bf16 (%2): comparing fp32 with int8 only.")
                    .arg(nodeName, info.value("bf16Unavailable").toString()));
  }
  qint64 fp32Run = 0;
  for (const QString& precision : std::as_const(precisions)) {
    QJsonObject sibling = job;
    sibling["precision"] = precision;
    const qint64 runId = startRun(job.value("name").toString() + " · " + precision, sibling, node);
    if (!fp32Run) fp32Run = runId;
  }
  m_quantizeWhenDone[fp32Run] = int8;
  return fp32Run;
}

qint64 WorkbenchController::quantizeRun(qint64 sourceRunId, const QuantizeSettings& settings) {
  const Run source = m_store.run(sourceRunId);
  Run run;
  run.name = source.name.section(" · ", 0, 0) + " · int8";
  run.precision = "int8";
  run.jobJson = QString::fromUtf8(
      QJsonDocument(QJsonObject{{"kind", "quantize"},
                                {"source_run", sourceRunId},
                                {"samples", settings.samples},
                                {"observer", settings.observer},
                                {"scheme", settings.scheme},
                                {"max_drop", settings.maxDrop}})
          .toJson());
  const remote::QuantizeRequest request{
      source.nodeJobId,
      modelArtifact(source),
      {},  // the node calibrates on the data the model trained on, as the job resolved its paths
      settings.samples,
      settings.observer,
      settings.scheme,
      settings.maxDrop,
      {}};  // launch() gives it its submission id
  return launch(run, request, source.node);
}

template <typename Request>
qint64 WorkbenchController::launch(const Run& prepared, const Request& request, const QString& node) {
  Run run = prepared;
  if (!run.projectId) run.projectId = projectId();
  run.node = node.isEmpty() ? "local" : node;
  // Stored before the node sees it: a workbench killed before the node's answer came finds the
  // job by it when it starts again (followUnfinishedRuns).
  run.submissionId = QUuid::createUuid().toString(QUuid::WithoutBraces);
  const auto endpoint = endpointFor(run.node);
  const qint64 runId = run.id = m_store.addRun(run);
  remote::JobDispatcher& dispatcher = attach(runId, run.node, endpoint);
  emit runAdded(run);
  Request identified = request;
  identified.submissionId = run.submissionId;
  dispatcher.submit(identified);
  return runId;
}

remote::JobDispatcher& WorkbenchController::attach(qint64 runId, const QString& node,
                                                   std::shared_ptr<remote::NodeEndpoint> endpoint) {
  Active& active = m_runs[runId];
  active.dispatcher = std::make_unique<remote::JobDispatcher>(std::move(endpoint));
  active.recorder = std::make_unique<RunRecorder>(m_store, *active.dispatcher, runId);
  using remote::JobDispatcher;
  // The recorder writes on the dispatcher's thread; the widgets hear about it on theirs.
  connect(active.dispatcher.get(), &JobDispatcher::eventReceived, this,
          [this, runId](const QString&, qint64 seq, const QString& type, const QByteArray& json) {
            emit eventArrived(runId, seq, type, json);
          });
  connect(active.dispatcher.get(), &JobDispatcher::jobFinished, this,
          [this, runId](const QString&, RunState state) { finished(runId, state); });
  connect(active.dispatcher.get(), &JobDispatcher::submitted, this,
          [this, runId](const QString&) { emit runStateChanged(runId, RunState::Running); });
  connect(active.dispatcher.get(), &JobDispatcher::failed, this,
          [this, runId](const QString&, const QString& message) {
            emit runStateChanged(runId, RunState::Failed);
            emit runFailed(runId, message);
          });
  connect(active.dispatcher.get(), &JobDispatcher::lost, this,
          [this, runId](const QString&, const QString& reason) {
            emit runStateChanged(runId, RunState::Lost);
            emit runLost(runId, reason);
          });
  connect(active.dispatcher.get(), &JobDispatcher::connectionLost, this,
          [this, runId, node](const QString&, const QString& reason, int attempt, int retryInMs) {
            emit connectionLost(runId, node, reason, attempt, retryInMs);
          });
  connect(active.dispatcher.get(), &JobDispatcher::reconnected, this,
          [this, runId, node] { emit reconnected(runId, node); });
  return *active.dispatcher;
}

int WorkbenchController::followUnfinishedRuns() {
  int followed = 0;
  for (const Run& run : m_store.unfinishedRuns()) {
    if (m_runs.count(run.id)) continue;  // followed by this session already
    if (const QList<RunShare> shares = m_store.runShares(run.id); !shares.isEmpty()) {
      followed += followAcrossNodes(run, shares);
      continue;
    }
    QString problem;
    std::shared_ptr<remote::NodeEndpoint> endpoint;
    if (run.nodeJobId.isEmpty() && run.submissionId.isEmpty()) {  // stored by an older version
      problem = tr("the workbench stopped before node %1 had accepted the job").arg(run.node);
    } else {
      try {
        endpoint = endpointFor(run.node);
      } catch (const std::exception& e) {
        problem = QString::fromUtf8(e.what());
      }
    }
    if (!problem.isEmpty()) {
      m_store.setRunState(run.id, RunState::Lost, {}, problem);
      emit runStateChanged(run.id, RunState::Lost);
      emit runLost(run.id, problem);
      continue;
    }
    // From the last event the store committed: nothing is missed, nothing stored twice. A run
    // whose node's answer never came: the job its submission made, if the node has one.
    if (run.nodeJobId.isEmpty())
      attach(run.id, run.node, endpoint).followSubmission(run.submissionId);
    else
      attach(run.id, run.node, endpoint).follow(run.nodeJobId, m_store.lastSeq(run.id));
    ++followed;
  }
  return followed;
}

bool WorkbenchController::followAcrossNodes(const Run& run, const QList<RunShare>& shares) {
  std::vector<remote::JobNode> nodes;
  QStringList jobIds;
  QList<qint64> afterSeqs;
  QString problem;
  for (const RunShare& share : shares) {
    try {
      nodes.push_back({share.node, endpointFor(share.node)});
    } catch (const std::exception& e) {
      problem = QString::fromUtf8(e.what());
    }
    jobIds << share.nodeJobId;
    // From the last event the store committed of each share: nothing missed, nothing twice.
    afterSeqs << m_store.lastSeq(run.id, share.firstRank);
  }
  if (run.nodeJobId.isEmpty())
    problem = tr("the workbench stopped before node %1 had accepted the job").arg(run.node);
  if (!problem.isEmpty()) {
    m_store.setRunState(run.id, RunState::Lost, {}, problem);
    emit runStateChanged(run.id, RunState::Lost);
    emit runLost(run.id, problem);
    return false;
  }
  const int perNode = shares.size() > 1 ? shares[1].firstRank : 1;
  attachAcrossNodes(run.id, std::move(nodes), perNode).follow(jobIds, afterSeqs);
  return true;
}

void WorkbenchController::finished(qint64 runId, RunState state) {
  emit runStateChanged(runId, state);
  // "Quantize when done" is for a run that finishes: one stopped or failed is not quantized
  // behind the user's back.
  if (const auto pending = m_quantizeWhenDone.find(runId); pending != m_quantizeWhenDone.end()) {
    const QuantizeSettings settings = pending->second;
    m_quantizeWhenDone.erase(pending);
    if (state == RunState::Succeeded) {
      try {
        quantizeRun(runId, settings);
      } catch (const StoreError& e) {  // a full disk: Export quantizes it later
        emit notice(tr("The int8 run was not started: %1").arg(QString::fromUtf8(e.what())));
      }
    }
  }
  // A stopped run keeps its model as trained so far: summarized too, with its files, so that
  // Export finds it.
  if (state != RunState::Succeeded && state != RunState::Cancelled) return;
  // The summary needs the model's size from the node: worked out off the GUI thread.
  const Run run = m_store.run(runId);
  std::shared_ptr<remote::NodeEndpoint> node = endpointFor(run.node);
  QThreadPool::globalInstance()->start([this, node, run] {
    QJsonObject summary = summarizeRun(m_store, run.id);
    try {
      for (const remote::NodeArtifact& artifact : remote::jobArtifacts(*node, run.nodeJobId)) {
        m_store.recordArtifact(run.id, {artifact.name, artifact.bytes, {}});
        if (artifact.name == modelArtifact(run) && !summary.contains("model_bytes"))
          summary["model_bytes"] = static_cast<double>(artifact.bytes);
      }
    } catch (const std::exception&) {
      // The files and the model's size stay unknown; the rest of the summary still counts.
    }
    try {
      m_store.setRunSummary(run.id, summary);
    } catch (const StoreError&) {
      return;  // a full disk, said by storeWriteFailed(); the run's events are what counts
    }
    QMetaObject::invokeMethod(this, [this, id = run.id, summary] { emit runSummarized(id, summary); },
                              Qt::QueuedConnection);
  });
}

bool WorkbenchController::cancelRun(qint64 runId) {
  const Run run = m_store.run(runId);
  if (run.nodeJobId.isEmpty() || !isUnderWay(run.state)) return false;
  if (const auto active = m_runs.find(runId); active != m_runs.end() && active->second.acrossNodes) {
    active->second.acrossNodes->cancel();  // every node's share
    return true;
  }
  std::shared_ptr<remote::NodeEndpoint> node;
  try {
    node = endpointFor(run.node);
  } catch (const std::exception& e) {
    emit runFailed(runId, QString::fromUtf8(e.what()));
    return false;
  }
  QThreadPool::globalInstance()->start([this, node, run] {
    try {
      remote::cancelJob(*node, run.nodeJobId);
    } catch (const std::exception& e) {
      const QString message = tr("cannot cancel: %1").arg(QString::fromUtf8(e.what()));
      QMetaObject::invokeMethod(this, [=, this] { emit runFailed(run.id, message); }, Qt::QueuedConnection);
    }
  });
  return true;
}

void WorkbenchController::exportRun(qint64 runId, const QString& format, const QString& destination) {
  const Run run = m_store.run(runId);
  std::shared_ptr<remote::NodeEndpoint> node = endpointFor(run.node);
  QThreadPool::globalInstance()->start([this, node, run, format, destination] {
    QString failure;
    try {
      QString saved = modelArtifact(run);  // the node's name of the file written to `destination`
      if (format == "twbm") remote::downloadArtifact(*node, run.nodeJobId, saved, destination);
      else saved = remote::exportOnnx(*node, run.nodeJobId, saved, destination);
      m_store.recordArtifact(run.id, {saved, QFileInfo(destination).size(), destination});
    } catch (const std::exception& e) {
      failure = QString::fromUtf8(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        [this, id = run.id, failure, destination] {
          if (failure.isEmpty()) emit exported(id, destination);
          else emit exportFailed(id, failure);
        },
        Qt::QueuedConnection);
  });
}

void WorkbenchController::checkLocalNode() {
  QThreadPool::globalInstance()->start([this, node = m_node] {
    QString health = "ok";
    QJsonObject info;
    QJsonArray ops;
    try {
      info = remote::fetchNodeInfo(*node);
      m_store.saveNode("local", info);
      ops = remote::fetchOpCatalog(*node);
    } catch (const std::exception& e) {
      health = QString::fromUtf8(e.what());
    }
    QMetaObject::invokeMethod(
        this,
        [=, this] {
          emit localNodeChecked(health, info);
          if (!ops.isEmpty()) emit opCatalogFetched("local", info.value("engineVersion").toString(), ops);
        },
        Qt::QueuedConnection);
  });
}

void WorkbenchController::validateAcrossNodes(const QByteArray& job, const QStringList& names,
                                              int ticket) {
  std::vector<remote::JobNode> nodes;
  try {
    for (const QString& name : names) nodes.push_back({name, endpointFor(name)});
  } catch (const std::exception& e) {
    emit validated(ticket, false, "parallel.nodes", QString::fromUtf8(e.what()), {});
    return;
  }
  answerFromWorker(ticket, [nodes, job] {
    return remote::checkJobAcrossNodes(nodes, QString::fromUtf8(job)).validation();
  });
}

void WorkbenchController::answerFromWorker(int ticket,
                                           std::function<remote::JobValidation()> check) {
  QThreadPool::globalInstance()->start([this, ticket, check = std::move(check)] {
    const remote::JobValidation answer = check();
    QMetaObject::invokeMethod(
        this,
        [=, this] {
          emit validated(ticket, answer.ok, answer.path, answer.message, answer.summary);
        },
        Qt::QueuedConnection);
  });
}

void WorkbenchController::validate(const QJsonObject& job, int ticket, const QString& nodeName) {
  m_askedTicket = ticket;
  if (job.contains("sweep")) return validateSweep(job, ticket, nodeName);
  const QByteArray text = QJsonDocument(job).toJson();
  if (const QStringList names = nodesAcross(job); !names.isEmpty())
    return validateAcrossNodes(text, names, ticket);
  std::shared_ptr<remote::NodeEndpoint> node;
  try {
    node = endpointFor(nodeName);
  } catch (const std::exception& e) {
    emit validated(ticket, false, "node", QString::fromUtf8(e.what()), {});
    return;
  }
  const QString folder = node == m_node ? m_jobFolder : QString();
  answerFromWorker(ticket,
                   [node, text, folder] { return remote::validateJob(*node, text, folder); });
}

void WorkbenchController::validateSweep(const QJsonObject& job, int ticket,
                                        const QString& nodeName) {
  const nlohmann::json document = nlohmann::json::parse(QJsonDocument(job).toJson().toStdString());
  auto plan = std::make_shared<SweepPlan>();
  try {
    *plan = planSweep(document);
  } catch (const SweepError& e) {
    const QString message = QString::fromUtf8(e.what());
    emit validated(ticket, false, message.section(": ", 0, 0), message, {});
    return;
  }
  std::vector<TrialCheck> checks = planTrialChecks(*plan, sweepNodes(job, nodeName));
  // A node not known is said at the field that named it.
  const QString nodesField =
      job.value("sweep").toObject().contains("nodes") ? "sweep.nodes" : "node";
  for (TrialCheck& check : checks) {
    const QString field = check.across.empty() ? nodesField : "parallel.nodes";
    try {
      if (check.across.empty()) {
        check.endpoint = endpointFor(check.node);
        check.jobFolder = check.endpoint == m_node ? m_jobFolder : QString();
      }
      for (remote::JobNode& node : check.across) node.endpoint = endpointFor(node.name);
    } catch (const std::exception& e) {
      const QString message = QString::fromUtf8(e.what());
      emit validated(ticket, false, field, field == "node" ? message : field + ": " + message, {});
      return;
    }
  }
  answerFromWorker(ticket, [this, checks, plan, document, ticket] {
    const int total = static_cast<int>(checks.size());
    return runTrialChecks(checks, *plan, document, [this, ticket, total](int done) {
      QMetaObject::invokeMethod(
          this, [=, this] { emit validationProgress(ticket, done, total); }, Qt::QueuedConnection);
      return m_askedTicket == ticket;  // the user edited again: the rest would go unread
    });
  });
}

}  // namespace app
}  // namespace twb
