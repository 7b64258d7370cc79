#include "app/project_history.h"

#include <algorithm>
#include <utility>

#include "app/run_summary.h"

namespace twb::app {

ProjectHistory::ProjectHistory(const ExperimentStore& store, QObject* parent)
    : QObject(parent), m_store(store) {
  m_feed.setInterval(0);  // after whatever else the event loop has to do
  connect(&m_feed, &QTimer::timeout, this, &ProjectHistory::handOverOne);
}

ProjectHistory::~ProjectHistory() {
  ++m_generation;
  if (m_reader.joinable()) m_reader.join();
}

void ProjectHistory::load(qint64 projectId) {
  const quint64 generation = ++m_generation;
  if (m_reader.joinable()) m_reader.join();  // it stops after its current query
  m_projectId = projectId;
  m_slices.clear();
  m_live.clear();
  m_handedSeq.clear();
  m_loading = true;
  m_readDone = false;
  m_feed.stop();
  m_reader = std::thread([this, projectId, generation] { read(projectId, generation); });
}

namespace {

QList<Run> newest(const QList<Run>& runs, qsizetype count) {
  return runs.mid(std::max<qsizetype>(0, runs.size() - count));
}

}  // namespace

void ProjectHistory::read(qint64 projectId, quint64 generation) {
  QList<Run> training, logged;
  for (const Run& run : m_store.runs(projectId))
    (runKind(run) == "train" ? training : logged) << run;  // int8 runs draw no curves, but log
  const QList<Run> curveRuns = newest(training, kCurveRuns);
  QList<qint64> loggedRuns;
  for (const Run& run : newest(logged, kCurveRuns)) loggedRuns << run.id;
  QMetaObject::invokeMethod(
      this,
      [this, projectId, curveRuns, loggedRuns, generation,
       total = static_cast<int>(training.size())] {
        if (generation == m_generation) emit runsRead(projectId, curveRuns, loggedRuns, total);
      },
      Qt::QueuedConnection);
  // Run by run in the order they were started: the Monitor's log lists them so.
  QList<qint64> shown = loggedRuns;
  for (const Run& run : curveRuns) shown << run.id;
  std::sort(shown.begin(), shown.end());
  for (const qint64 runId : std::as_const(shown)) {
    if (generation != m_generation) return;
    const QStringList types = loggedRuns.contains(runId)
                                  ? QStringList{"log", "state"}
                                  : QStringList{"step", "eval", "log", "state"};
    const QList<StoredEvent> events = m_store.events(runId, types);
    std::deque<Slice> slices;
    for (qsizetype first = 0; first < events.size(); first += kSliceEvents)
      slices.push_back({runId, events.mid(first, kSliceEvents)});
    QMetaObject::invokeMethod(
        this,
        [this, generation, slices = std::move(slices)]() mutable {
          handOver(generation, std::move(slices), false);
        },
        Qt::QueuedConnection);
  }
  QMetaObject::invokeMethod(
      this, [this, generation] { handOver(generation, {}, true); }, Qt::QueuedConnection);
}

void ProjectHistory::handOver(quint64 generation, std::deque<Slice> slices, bool last) {
  if (generation != m_generation) return;
  for (Slice& slice : slices) m_slices.push_back(std::move(slice));
  m_readDone = last;
  if (!m_feed.isActive()) m_feed.start();
}

void ProjectHistory::handOverOne() {
  if (m_slices.empty()) {
    m_feed.stop();
    if (m_readDone && m_loading) {
      m_loading = false;
      for (const Slice& live : std::exchange(m_live, {})) handOn(live.runId, live.events);
      emit finished(m_projectId);
    }
    return;
  }
  const Slice slice = std::move(m_slices.front());
  m_slices.pop_front();
  handOn(slice.runId, slice.events);
}

void ProjectHistory::addLiveEvent(qint64 runId, qint64 seq, const QString& type,
                                  const QByteArray& json) {
  if (m_loading)
    m_live.push_back({runId, {{seq, type, json}}});
  else
    handOn(runId, {{seq, type, json}});
}

void ProjectHistory::handOn(qint64 runId, const QList<StoredEvent>& events) {
  // A live event the store had committed before it was read is handed over once.
  qint64& handed = m_handedSeq[runId];
  if (events.isEmpty() || events.back().seq <= handed) return;
  handed = events.back().seq;
  emit eventsRead(runId, events);
}

}  // namespace twb::app
