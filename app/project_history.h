#pragma once

#include <QHash>
#include <QList>
#include <QObject>
#include <QTimer>
#include <atomic>
#include <deque>
#include <thread>

#include "app/experiment_store.h"

namespace twb::app {

// The events the Monitor draws a project's curves and log from. A project's stored runs, their
// training runs' step, eval, log and state events and the other runs' log and state events are
// read off the GUI thread and handed to it a slice at a time, so opening a project of hundreds of
// runs (hundreds of thousands of events) never holds the GUI thread for long (docs/benchmarks.md,
// "Workbench GUI"). Live events pass through here too: while the stored ones are handed over they
// wait, and each event arrives once, in order.
class ProjectHistory : public QObject {
  Q_OBJECT

 public:
  // Events handed over per slice: a few milliseconds of the Monitor's work.
  static constexpr int kSliceEvents = 250;
  // The newest training runs of a project whose curves are read: more are unreadable on one
  // chart and slow every redraw (docs/benchmarks.md: 20 runs kept p99 at 23-25 ms, 10 at 15-20).
  static constexpr int kCurveRuns = 10;

  explicit ProjectHistory(const ExperimentStore& store, QObject* parent = nullptr);
  ~ProjectHistory() override;  // waits for the read under way

  // Reads `projectId`'s runs, the curves and messages of its kCurveRuns newest training runs and
  // the messages of its kCurveRuns newest other runs (quantize, export). What a read of another
  // project under way has not handed over yet is dropped.
  void load(qint64 projectId);
  // Between load() and finished(): slices are still to come.
  bool isLoading() const { return m_loading; }
  // An event a node just sent (WorkbenchController::eventArrived), handed on as eventsRead()
  // unless it was handed over already.
  void addLiveEvent(qint64 runId, qint64 seq, const QString& type, const QByteArray& json);

 signals:
  // The first signal of a load: the training runs whose curves follow (the newest kCurveRuns,
  // oldest first), the other runs whose messages follow, and how many training runs the project
  // has.
  void runsRead(qint64 projectId, const QList<twb::app::Run>& curveRuns,
                const QList<qint64>& loggedRuns, int trainingRuns);
  // Up to kSliceEvents consecutive events of one run, in the order its node sent them.
  void eventsRead(qint64 runId, const QList<twb::app::StoredEvent>& events);
  // Every stored event of the runs read has been handed over.
  void finished(qint64 projectId);

 private:
  struct Slice {
    qint64 runId = 0;
    QList<StoredEvent> events;
  };
  void read(qint64 projectId, quint64 generation);
  void handOver(quint64 generation, std::deque<Slice> slices, bool last);
  void handOverOne();
  void handOn(qint64 runId, const QList<StoredEvent>& events);

  const ExperimentStore& m_store;
  std::atomic<quint64> m_generation{0};  // the load under way; older reads stop
  std::thread m_reader;
  qint64 m_projectId = 0;
  bool m_loading = false, m_readDone = false;
  std::deque<Slice> m_slices;         // read, not yet handed over (GUI thread)
  std::deque<Slice> m_live;           // arrived while loading, one event each
  QHash<qint64, qint64> m_handedSeq;  // per run, the last seq handed over
  QTimer m_feed;                      // hands over one slice per event-loop turn
};

}  // namespace twb::app
