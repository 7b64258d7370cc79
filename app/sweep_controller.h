#pragma once

#include <QHash>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <memory>

#include "app/experiment_store.h"
#include "sweep/median_stopping_rule.h"
#include "sweep/sweep_plan.h"

namespace twb::app {

class WorkbenchController;

// Runs a sweep (a job with a "sweep" block, docs/sweeps.md) from the workbench: each trial is a
// run of the current project, at most `concurrency` queued or running at once, on the nodes
// given, each trial to the node with the fewest of the sweep's trials. A trial the median rule
// finds hopeless is cancelled on its node and tagged "stopped-early", with the median it lost to
// in its notes; every trial is tagged with the sweep's name, so the runs browser finds them.
// The store keeps the sweep and its trials' runs, so a sweep goes on after the workbench stops.
class SweepController : public QObject {
  Q_OBJECT

 public:
  explicit SweepController(WorkbenchController& controller, QObject* parent = nullptr);

  // Starts the sweep; returns what is wrong with its block (naming the field) instead, or with
  // another sweep still running.
  QString start(const QJsonObject& job, const QStringList& nodes);
  // Cancels the running trials and starts no more.
  void cancel();
  // Goes on with the sweep the store says was under way when the workbench stopped: its running
  // trials (followed again by WorkbenchController::followUnfinishedRuns(), to call first) are
  // watched, the median rule learns from every stored step, and the trials not started yet
  // start. False when there is none.
  bool resumeUnfinished();
  bool isRunning() const { return m_plan != nullptr; }

 signals:
  // A trial ended (`ended` of `total` so far).
  void progress(int ended, int total);
  // The sweep wrote a run's notes or tags.
  void runNotesChanged(qint64 runId, const QString& notes, const QStringList& tags);
  // No trial is left running. `stoppedBecause`: why trials were left unstarted (the store could
  // not record them), empty when every trial ran or the sweep was cancelled.
  void finished(const QString& stoppedBecause);

 private:
  // Plans `job`'s sweep; what is wrong with it, or "".
  QString plan(const QJsonObject& job, const QStringList& nodes);
  void launchNext();
  // The stored step events of a trial's run, told to the median rule.
  void replaySteps(qint64 runId, int trial);
  // Tells the rule one step of a trial; a running trial it finds hopeless is stopped.
  void report(qint64 runId, int trial, const QJsonObject& step);
  void onEvent(qint64 runId, const QString& type, const QByteArray& json);
  void onState(qint64 runId, RunState state);
  // A write to the store failed (a full disk): no more trials start, the running ones go on, and
  // the store still holds the sweep unfinished, so a later session goes on with it.
  void stopStarting(const StoreError& error);
  // Why the sweep ends short, for finished(); empty when it does not.
  QString stoppedBecause() const;

  WorkbenchController& m_controller;
  std::unique_ptr<SweepPlan> m_plan;
  std::unique_ptr<MedianStoppingRule> m_rule;
  QStringList m_nodes;
  QString m_tag;
  qint64 m_sweepId = 0;  // in the store
  qint64 m_projectId = 0;
  size_t m_next = 0;
  int m_ended = 0;
  bool m_cancelling = false;
  QString m_storeError;             // why the store could not write: no more trials start
  QHash<qint64, int> m_trialOfRun;  // the sweep's queued or running runs
  QHash<qint64, QString> m_nodeOfRun;
  QHash<qint64, QString> m_stopReason;  // runs the median rule is stopping
  QHash<int, qint64> m_lastStep;        // per trial, the last step told to the rule
};

}  // namespace twb::app
