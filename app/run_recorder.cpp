#include "app/run_recorder.h"

namespace twb::app {

RunRecorder::RunRecorder(ExperimentStore& store, remote::JobDispatcher& dispatcher, qint64 runId,
                         QObject* parent)
    : QObject(parent), m_store(store), m_runId(runId) {
  using remote::JobDispatcher;
  connect(&dispatcher, &JobDispatcher::submitted, this,
          [this](const QString& jobId) { m_store.setRunState(m_runId, "running", jobId); },
          Qt::DirectConnection);
  connect(&dispatcher, &JobDispatcher::eventReceived, this,
          [this](const QString&, qint64 seq, const QString& type, const QByteArray& json) {
            m_store.appendEvent(m_runId, seq, type, json);
          },
          Qt::DirectConnection);
  connect(&dispatcher, &JobDispatcher::jobFinished, this,
          [this](const QString&, const QString& state) {
            m_store.flush();
            m_store.setRunState(m_runId, state);
          },
          Qt::DirectConnection);
  connect(&dispatcher, &JobDispatcher::failed, this,
          [this](const QString&, const QString& reason) {
            m_store.setRunState(m_runId, "failed", {}, reason);
          },
          Qt::DirectConnection);
  connect(&dispatcher, &JobDispatcher::lost, this,
          [this](const QString&, const QString& reason) {
            m_store.flush();
            m_store.setRunState(m_runId, "lost", {}, reason);
          },
          Qt::DirectConnection);
}

}  // namespace twb::app
