#include "app/run_recorder.h"

namespace twb::app {

RunRecorder::RunRecorder(ExperimentStore& store, remote::JobDispatcher& dispatcher, qint64 runId,
                         QObject* parent)
    : QObject(parent), m_store(store), m_runId(runId) {
  using remote::JobDispatcher;
  connect(&dispatcher, &JobDispatcher::submitted, this,
          [this](const QString& jobId) { record(RunState::Running, jobId); }, Qt::DirectConnection);
  connect(&dispatcher, &JobDispatcher::eventReceived, this,
          [this](const QString&, qint64 seq, const QString& type, const QByteArray& json) {
            m_store.appendEvent(m_runId, seq, type, json);
          },
          Qt::DirectConnection);
  connect(&dispatcher, &JobDispatcher::jobFinished, this,
          [this](const QString&, RunState state, const QString& reason) { record(state, {}, reason); },
          Qt::DirectConnection);
  connect(&dispatcher, &JobDispatcher::failed, this,
          [this](const QString&, const QString& reason) { record(RunState::Failed, {}, reason); },
          Qt::DirectConnection);
  connect(&dispatcher, &JobDispatcher::lost, this,
          [this](const QString&, const QString& reason) { record(RunState::Lost, {}, reason); },
          Qt::DirectConnection);
}

RunRecorder::RunRecorder(ExperimentStore& store, remote::MultiNodeDispatcher& dispatcher,
                         qint64 runId, int ranksPerNode, QObject* parent)
    : QObject(parent), m_store(store), m_runId(runId) {
  using remote::MultiNodeDispatcher;
  connect(
      &dispatcher, &MultiNodeDispatcher::submitted, this,
      [this, &dispatcher, ranksPerNode](int node, const QString& jobId) {
        try {
          m_store.setRunShare(m_runId,
                              {node, dispatcher.nodeName(node), node * ranksPerNode, jobId});
        } catch (const StoreError&) {
          // A full disk: the share runs on unrecorded (a later start cannot follow that
          // node's job); thrown from here it would end the workbench inside the signal.
        }
        if (node == 0) record(RunState::Running, jobId);
      },
      Qt::DirectConnection);
  connect(&dispatcher, &MultiNodeDispatcher::eventReceived, this,
          [this, ranksPerNode](int node, const QString&, qint64 seq, const QString& type,
                               const QByteArray& json) {
            m_store.appendEvent(m_runId, seq, type, json, node * ranksPerNode);
          },
          Qt::DirectConnection);
  connect(&dispatcher, &MultiNodeDispatcher::finished, this,
          [this](RunState state, const QString& reason) { record(state, {}, reason); },
          Qt::DirectConnection);
  connect(&dispatcher, &MultiNodeDispatcher::refused, this,
          [this](const QString& reason) { record(RunState::Failed, {}, reason); }, Qt::DirectConnection);
}

void RunRecorder::record(RunState state, const QString& jobId, const QString& reason) {
  try {
    m_store.flush();  // the events before the state
    m_store.setRunState(m_runId, state, jobId, reason);
  } catch (const StoreError&) {
    // A full disk (the store's write-error listener says so): the run stays "running" in the
    // store, and the next start follows it again and learns its state from the node.
  }
}

}  // namespace twb::app
