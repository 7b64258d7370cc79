#include "app/sweep_controller.h"

#include <QJsonDocument>

#include "app/workbench_controller.h"

namespace twb::app {

SweepController::SweepController(WorkbenchController& controller, QObject* parent)
    : QObject(parent), m_controller(controller) {
  connect(&controller, &WorkbenchController::eventArrived, this,
          [this](qint64 runId, qint64, const QString& type, const QByteArray& json) {
            onEvent(runId, type, json);
          });
  connect(&controller, &WorkbenchController::runStateChanged, this, &SweepController::onState);
}

QString SweepController::start(const QJsonObject& job, const QStringList& nodes) {
  if (m_plan) return tr("sweep: another sweep is still running");
  if (nodes.isEmpty()) return tr("sweep: no node to run its trials on");
  try {
    m_plan = std::make_unique<SweepPlan>(
        planSweep(nlohmann::json::parse(QJsonDocument(job).toJson().toStdString())));
  } catch (const SweepError& e) {
    return QString::fromUtf8(e.what());
  }
  m_rule = std::make_unique<MedianStoppingRule>(m_plan->config.earlyStop);
  m_nodes = nodes;
  m_tag = "sweep:" + job.value("name").toString("job");
  m_next = 0;
  m_ended = 0;
  m_cancelling = false;
  launchNext();
  return {};
}

void SweepController::cancel() {
  if (!m_plan) return;
  m_cancelling = true;
  for (auto it = m_trialOfRun.cbegin(); it != m_trialOfRun.cend(); ++it)
    m_controller.cancelRun(it.key());
  if (m_trialOfRun.isEmpty()) onState(0, {});
}

void SweepController::launchNext() {
  while (!m_cancelling && m_next < m_plan->trials.size() &&
         m_trialOfRun.size() < m_plan->config.concurrency) {
    const SweepTrial& trial = m_plan->trials[m_next++];
    QString node = m_nodes.front();
    for (const QString& candidate : std::as_const(m_nodes))
      if (m_nodeOfRun.values().count(candidate) < m_nodeOfRun.values().count(node))
        node = candidate;
    const QJsonObject job =
        QJsonDocument::fromJson(QByteArray::fromStdString(trial.job.dump())).object();
    const qint64 runId = m_controller.startRun(job.value("name").toString(), job, node);
    m_controller.store().setRunNotes(runId, {}, {m_tag});
    emit runNotesChanged(runId);
    m_trialOfRun.insert(runId, trial.index);
    m_nodeOfRun.insert(runId, node);
    // A run refused on the spot (an unknown node) has ended before it was ours to watch.
    if (const RunState now = m_controller.store().run(runId).state; now == RunState::Failed || now == RunState::Lost)
      QMetaObject::invokeMethod(
          this, [this, runId, now] { onState(runId, now); }, Qt::QueuedConnection);
  }
}

void SweepController::onEvent(qint64 runId, const QString& type, const QByteArray& json) {
  if (type != "step" || !m_trialOfRun.contains(runId) || m_stopReason.contains(runId)) return;
  const QJsonObject step = QJsonDocument::fromJson(json).object();
  if (!step.contains("loss")) return;
  const auto median = m_rule->report(m_trialOfRun.value(runId), step.value("step").toInteger(),
                                     step.value("loss").toDouble());
  if (!median) return;
  m_stopReason.insert(runId, tr("Stopped early by the median rule: at step %1 its best training "
                                "loss was above the finished trials' median, %2.")
                                 .arg(step.value("step").toInteger())
                                 .arg(*median, 0, 'g', 4));
  m_controller.cancelRun(runId);
}

void SweepController::onState(qint64 runId, RunState state) {
  const bool ended = !remote::isUnderWay(state);
  if (m_trialOfRun.contains(runId) && ended) {
    const int trial = m_trialOfRun.take(runId);
    m_nodeOfRun.remove(runId);
    if (state == RunState::Succeeded) m_rule->finished(trial);
    if (m_stopReason.contains(runId)) {
      m_controller.store().setRunNotes(runId, m_stopReason.take(runId), {m_tag, "stopped-early"});
      emit runNotesChanged(runId);
    }
    emit progress(++m_ended, static_cast<int>(m_plan->trials.size()));
    launchNext();
  }
  if (m_plan && m_trialOfRun.isEmpty() && (m_cancelling || m_next == m_plan->trials.size())) {
    m_plan.reset();
    m_rule.reset();
    emit finished();
  }
}

}  // namespace twb::app
