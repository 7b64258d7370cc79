#include "app/workbench_controller.h"

#include <QJsonDocument>
#include <QThreadPool>

#include "rpc/node_client.h"

namespace twb::app {

WorkbenchController::WorkbenchController(ExperimentStore& store,
                                         std::shared_ptr<remote::NodeEndpoint> node,
                                         QObject* parent)
    : QObject(parent), m_store(store), m_node(std::move(node)) {}

WorkbenchController::~WorkbenchController() { QThreadPool::globalInstance()->waitForDone(); }

qint64 WorkbenchController::projectId() {
  if (m_project) return m_project;
  const auto projects = m_store.projects();
  m_project = projects.isEmpty() ? m_store.addProject(tr("Default project")) : projects.front().id;
  return m_project;
}

qint64 WorkbenchController::startRun(const QString& name, const QJsonObject& job) {
  Run run;
  run.projectId = projectId();
  run.name = name;
  run.jobJson = QString::fromUtf8(QJsonDocument(job).toJson());
  run.node = m_node->describe();
  run.precision = job.value("precision").toString("fp32");
  const qint64 runId = m_store.addRun(run);
  Active& active = m_runs[runId];
  active.dispatcher = std::make_unique<remote::JobDispatcher>(m_node);
  active.recorder = std::make_unique<RunRecorder>(m_store, *active.dispatcher, runId);
  using remote::JobDispatcher;
  // The recorder writes on the dispatcher's thread; the widgets hear about it on theirs.
  connect(active.dispatcher.get(), &JobDispatcher::eventReceived, this,
          [this, runId](const QString&, qint64 seq, const QString& type, const QByteArray& json) {
            emit eventArrived(runId, seq, type, json);
          });
  connect(active.dispatcher.get(), &JobDispatcher::jobFinished, this,
          [this, runId](const QString&, const QString& state) { emit runStateChanged(runId, state); });
  connect(active.dispatcher.get(), &JobDispatcher::submitted, this,
          [this, runId](const QString&) { emit runStateChanged(runId, "running"); });
  connect(active.dispatcher.get(), &JobDispatcher::failed, this,
          [this, runId](const QString&, const QString& message) {
            emit runStateChanged(runId, "failed");
            emit runFailed(runId, message);
          });
  emit runAdded(runId);
  active.dispatcher->submit(run.jobJson);
  return runId;
}

void WorkbenchController::validate(const QJsonObject& job, int ticket) {
  const QByteArray text = QJsonDocument(job).toJson();
  std::shared_ptr<remote::NodeEndpoint> node = m_node;
  QThreadPool::globalInstance()->start([this, node, text, ticket] {
    bool ok = false;
    QString path, message;
    QJsonObject summary;
    try {
      const QString address = node->connect();
      NodeClient client(NodeAddress::parse(address.toStdString()), {});
      node::v1::ValidateJobRequest request;
      request.set_job_json(text.toStdString());
      const auto answer = client.validate(request);
      ok = answer.ok();
      if (!ok) {
        path = QString::fromStdString(answer.problems(0).path());
        message = QString::fromStdString(answer.problems(0).message());
      }
      summary = {{"parameters", static_cast<double>(answer.parameters())},
                 {"flops_per_step", answer.flops_per_step()},
                 {"memory_bytes", static_cast<double>(answer.memory_bytes())},
                 {"total_steps", static_cast<double>(answer.total_steps())}};
    } catch (const std::exception& e) {
      message = QString::fromUtf8(e.what());
    }
    QMetaObject::invokeMethod(this, [=, this] { emit validated(ticket, ok, path, message, summary); },
                              Qt::QueuedConnection);
  });
}

}  // namespace twb::app
