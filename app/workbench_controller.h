#pragma once

#include <QJsonObject>
#include <QObject>
#include <QString>
#include <map>
#include <memory>

#include "app/experiment_store.h"
#include "app/run_recorder.h"
#include "remote/job_dispatcher.h"
#include "remote/node_endpoint.h"

namespace twb::app {

// Joins the store, the node and the widgets: starts runs on the node, records everything they
// report, and tells the widgets (queued, on the GUI thread) what changed. Job validation on the
// node runs off the GUI thread too.
class WorkbenchController : public QObject {
  Q_OBJECT

 public:
  WorkbenchController(ExperimentStore& store, std::shared_ptr<remote::NodeEndpoint> node,
                      QObject* parent = nullptr);
  ~WorkbenchController() override;

  ExperimentStore& store() { return m_store; }
  QString nodeName() const { return m_node->describe(); }
  qint64 projectId();  // the default project, made on first use

  // Stores the run and submits it; returns its run id.
  qint64 startRun(const QString& name, const QJsonObject& job);
  // The node's dry run of a job; the answer comes as validated().
  void validate(const QJsonObject& job, int ticket);

 signals:
  void runAdded(qint64 runId);
  void runStateChanged(qint64 runId, const QString& state);
  void eventArrived(qint64 runId, qint64 seq, const QString& type, const QByteArray& json);
  // ok, or the problem's field path and message; `summary` has parameters, flops, memory.
  void validated(int ticket, bool ok, const QString& path, const QString& message,
                 const QJsonObject& summary);
  void runFailed(qint64 runId, const QString& message);

 private:
  ExperimentStore& m_store;
  std::shared_ptr<remote::NodeEndpoint> m_node;
  qint64 m_project = 0;
  struct Active {
    std::unique_ptr<remote::JobDispatcher> dispatcher;
    std::unique_ptr<RunRecorder> recorder;
  };
  std::map<qint64, Active> m_runs;
};

}  // namespace twb::app
