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

QString SweepController::plan(const QJsonObject& job, const QStringList& nodes) {
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
  m_lastStep.clear();
  m_cancelling = false;
  m_storeError.clear();
  return {};
}

QString SweepController::start(const QJsonObject& job, const QStringList& nodes) {
  if (QString problem = plan(job, nodes); !problem.isEmpty()) return problem;
  m_projectId = m_controller.projectId();
  try {
    m_sweepId = m_controller.store().addSweep(
        m_projectId, QJsonDocument(job).toJson(QJsonDocument::Compact), nodes);
  } catch (const StoreError& e) {
    m_plan.reset();
    m_rule.reset();
    return tr("sweep: the experiment store cannot record it: %1").arg(QString::fromUtf8(e.what()));
  }
  launchNext();
  return {};
}

bool SweepController::resumeUnfinished() {
  const std::optional<Sweep> sweep = m_controller.store().unfinishedSweep();
  if (!sweep || !plan(QJsonDocument::fromJson(sweep->jobJson.toUtf8()).object(), sweep->nodes).isEmpty())
    return false;
  m_sweepId = sweep->id;
  m_projectId = sweep->projectId;
  // Trials start in order: the next one is after the last started. Ended trials first, so that
  // the rule knows the finished curves before it judges the running ones.
  QList<QPair<qint64, int>> running;
  for (auto it = sweep->trialRuns.cbegin(); it != sweep->trialRuns.cend(); ++it) {
    m_next = std::max(m_next, static_cast<size_t>(it.key()) + 1);
    const Run run = m_controller.store().run(it.value());
    if (isUnderWay(run.state) && run.id) {
      running.append({run.id, it.key()});
      m_trialOfRun.insert(run.id, it.key());
      m_nodeOfRun.insert(run.id, run.node);
      continue;
    }
    replaySteps(run.id, it.key());
    if (run.state == RunState::Succeeded) m_rule->finished(it.key());
    ++m_ended;
  }
  for (const auto& [runId, trial] : std::as_const(running)) replaySteps(runId, trial);
  emit progress(m_ended, static_cast<int>(m_plan->trials.size()));
  launchNext();
  onState(0, RunState::Queued);  // ends it here when nothing was left to do
  return true;
}

void SweepController::replaySteps(qint64 runId, int trial) {
  for (const QByteArray& json : m_controller.store().events(runId, "step"))
    report(runId, trial, QJsonDocument::fromJson(json).object());
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
    qint64 runId = 0;
    try {
      runId = m_controller.startRun(job.value("name").toString(), job, node, {}, m_projectId);
    } catch (const StoreError& e) {
      --m_next;  // not started: a later session starts it
      stopStarting(e);
      break;
    }
    m_trialOfRun.insert(runId, trial.index);
    m_nodeOfRun.insert(runId, node);
    try {
      m_controller.store().addSweepTrial(m_sweepId, trial.index, runId);
      m_controller.store().setRunNotes(runId, {}, {m_tag});
      emit runNotesChanged(runId, {}, {m_tag});
    } catch (const StoreError& e) {
      stopStarting(e);  // this one runs; the store does not know it as the sweep's
    }
    // A run refused on the spot (an unknown node) has ended before it was ours to watch.
    if (const RunState now = m_controller.store().run(runId).state; now == RunState::Failed || now == RunState::Lost)
      QMetaObject::invokeMethod(
          this, [this, runId, now] { onState(runId, now); }, Qt::QueuedConnection);
  }
}

void SweepController::stopStarting(const StoreError& error) {
  m_cancelling = true;  // the rest start no more; unlike a cancel, the running trials go on
  if (m_storeError.isEmpty()) m_storeError = QString::fromUtf8(error.what());
}

QString SweepController::stoppedBecause() const {
  if (m_storeError.isEmpty()) return {};
  const size_t unstarted = m_plan->trials.size() - m_next;
  if (unstarted == 0)
    return tr("the experiment store cannot write (%1); it holds the sweep as unfinished until a "
              "later session ends it")
        .arg(m_storeError);
  return tr("%1 of its %2 trials did not start: the experiment store cannot write (%3); reopen the "
            "workbench once it can and the sweep goes on")
      .arg(unstarted)
      .arg(m_plan->trials.size())
      .arg(m_storeError);
}

void SweepController::onEvent(qint64 runId, const QString& type, const QByteArray& json) {
  if (type == "step" && m_trialOfRun.contains(runId))
    report(runId, m_trialOfRun.value(runId), QJsonDocument::fromJson(json).object());
}

void SweepController::report(qint64 runId, int trial, const QJsonObject& step) {
  const qint64 at = step.value("step").toInteger();
  // Once per step: after a restart, the stored steps and the first live ones may overlap.
  if (!step.contains("loss") || (m_lastStep.contains(trial) && at <= m_lastStep.value(trial))) return;
  m_lastStep.insert(trial, at);
  const auto median = m_rule->report(trial, at, step.value("loss").toDouble());
  if (!median || !m_trialOfRun.contains(runId) || m_stopReason.contains(runId)) return;
  m_stopReason.insert(runId, tr("Stopped early by the median rule: at step %1 its best training "
                                "loss was above the finished trials' median, %2.")
                                 .arg(at)
                                 .arg(*median, 0, 'g', 4));
  m_controller.cancelRun(runId);
}

void SweepController::onState(qint64 runId, RunState state) {
  const bool ended = !remote::isUnderWay(state);
  if (m_trialOfRun.contains(runId) && ended) {
    const int trial = m_trialOfRun.take(runId);
    m_nodeOfRun.remove(runId);
    if (state == RunState::Succeeded) m_rule->finished(trial);
    // A trial that failed (diverged) before the rule's cancel reached it keeps its own reason.
    if (const QString reason = m_stopReason.take(runId);
        !reason.isEmpty() && state == RunState::Cancelled) {
      try {
        m_controller.store().setRunNotes(runId, reason, {m_tag, "stopped-early"});
        emit runNotesChanged(runId, reason, {m_tag, "stopped-early"});
      } catch (const StoreError& e) {
        stopStarting(e);
      }
    }
    emit progress(++m_ended, static_cast<int>(m_plan->trials.size()));
    launchNext();
  }
  if (m_plan && m_trialOfRun.isEmpty() && (m_cancelling || m_next == m_plan->trials.size())) {
    try {
      if (m_storeError.isEmpty()) m_controller.store().endSweep(m_sweepId);
    } catch (const StoreError& e) {
      stopStarting(e);  // left unfinished in the store: the next session ends it
    }
    const QString why = stoppedBecause();
    m_plan.reset();
    m_rule.reset();
    emit finished(why);
  }
}

}  // namespace twb::app
