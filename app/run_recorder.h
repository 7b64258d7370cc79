#pragma once

#include <QObject>

#include "app/experiment_store.h"
#include "remote/job_dispatcher.h"
#include "remote/multi_node_dispatcher.h"

namespace twb::app {

// Writes what a dispatcher reports about one run into the store: every event (exactly once, by
// its sequence number), the node's job id, the run's state and why it failed or was lost.
// Connected directly, so events go from the dispatcher's thread to the store's writer queue
// without passing the GUI thread.
class RunRecorder : public QObject {
  Q_OBJECT

 public:
  RunRecorder(ExperimentStore& store, remote::JobDispatcher& dispatcher, qint64 runId,
              QObject* parent = nullptr);
  // A run across nodes: each node's share and events, by the share's first rank (node index ×
  // ranks per node); the run's job id and state are the first node's and the whole job's.
  RunRecorder(ExperimentStore& store, remote::MultiNodeDispatcher& dispatcher, qint64 runId,
              int ranksPerNode, QObject* parent = nullptr);
  qint64 runId() const { return m_runId; }

 private:
  void record(RunState state, const QString& jobId = {}, const QString& reason = {});

  ExperimentStore& m_store;
  qint64 m_runId;
};

}  // namespace twb::app
