#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QMap>
#include <QSet>
#include <QString>
#include <QStringList>
#include <QVector>
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>

#include "remote/job_state.h"

struct sqlite3;

namespace twb::app {

class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// A run's state is its node job's (queued, running, succeeded, failed, cancelled, lost), stored
// by name.
using RunState = remote::JobState;
using remote::jobStateName;
using remote::jobStateNamed;

struct Project {
  qint64 id = 0;
  QString name;
};

struct Run {
  qint64 id = 0;
  qint64 projectId = 0;
  QString name;
  QString jobJson;    // the job file, as the CLI takes it
  QString node;       // the node's name ("local", a registry entry)
  QString nodeJobId;  // the job's id on that node, once submitted
  RunState state = RunState::Queued;
  QString precision;
  double created = 0;
  QJsonObject summary;  // final accuracy, throughput, model size, ...
  QString reason;       // why it failed or was lost; empty otherwise
  QString notes;        // the user's, free text
  QStringList tags;     // the user's, in their order
  QString submissionId;  // unique to its submission: finds the job when the answer was lost
  QString jobFolder;     // where the job's relative paths were read; empty: the node's own
};

// One node's share of a run across nodes: its ranks from `firstRank`, its job there.
struct RunShare {
  int nodeIndex = 0;  // in the job's parallel.nodes
  QString node;
  int firstRank = 0;
  QString nodeJobId;  // empty until the node accepted its share
};

// A file a run's node job made: its name on the node, its size, and where it was saved here.
struct Artifact {
  QString name;
  qint64 bytes = 0;
  QString localPath;  // empty until downloaded
};

// A sweep the workbench started (docs/sweeps.md): its job file, the nodes its trials run on, and
// the run each started trial became, by trial index.
struct Sweep {
  qint64 id = 0;
  qint64 projectId = 0;
  QString jobJson;
  QStringList nodes;
  QMap<int, qint64> trialRuns;
};

// One stored event of a run, as its node sent it (docs/events.md).
struct StoredEvent {
  qint64 seq = 0;
  QString type;
  QByteArray json;
};

struct MetricPoint {
  qint64 seq = 0;
  double step = 0;
  double value = 0;
  double wallTime = 0;
};

// The workbench's experiments in one SQLite file: projects, runs, every event each run's node
// sent, the metrics taken from them, and nodes. WAL mode; the schema migrates by
// PRAGMA user_version. Events are written by a thread of its own in batched transactions (the
// GUI thread never waits for the disk), in the order they arrived, keyed by (run, rank, seq): an event
// stored twice is stored once, so a crash or a resumed watch never loses or doubles a point.
class ExperimentStore {
 public:
  static constexpr int kSchemaVersion = 8;

  // Opens or creates `path` and brings its schema up to date; throws StoreError naming the file.
  explicit ExperimentStore(const QString& path);
  ~ExperimentStore();  // commits what is queued
  ExperimentStore(const ExperimentStore&) = delete;
  ExperimentStore& operator=(const ExperimentStore&) = delete;

  int schemaVersion() const;
  QString integrityCheck() const;  // "ok" when sound

  qint64 addProject(const QString& name);
  QList<Project> projects() const;
  qint64 addRun(const Run& run);
  void setRunState(qint64 runId, RunState state, const QString& nodeJobId = {},
                   const QString& reason = {});
  void setRunSummary(qint64 runId, const QJsonObject& summary);
  void setRunNotes(qint64 runId, const QString& notes, const QStringList& tags);
  QList<Run> runs(qint64 projectId) const;
  // Every project's runs the store last saw queued or running, oldest first: after a restart
  // of the workbench, the runs to follow again.
  QList<Run> unfinishedRuns() const;
  // Removes a run with everything stored of it (events, metrics, profiles, artifacts) in one
  // transaction. Call it only for runs whose node sends nothing more.
  void deleteRun(qint64 runId);
  Run run(qint64 runId) const;

  // Records (or updates, by name) a file of a run.
  void recordArtifact(qint64 runId, const Artifact& artifact);
  // A run across nodes: records (or, by node index, sets the job id of) one node's share.
  void setRunShare(qint64 runId, const RunShare& share);
  QList<RunShare> runShares(qint64 runId) const;  // empty for a run on one node

  // A sweep under way: recorded when it starts, each trial's run as it starts, ended when its
  // last trial has ended or it was cancelled. unfinishedSweep(): the newest not ended, if any.
  qint64 addSweep(qint64 projectId, const QString& jobJson, const QStringList& nodes);
  void addSweepTrial(qint64 sweepId, int trial, qint64 runId);
  void endSweep(qint64 sweepId);
  std::optional<Sweep> unfinishedSweep() const;
  QList<Artifact> artifacts(qint64 runId) const;
  // What node `name` said about itself when last asked (GetNodeInfo's JSON form), so that a run's
  // machine is known later even when the node is gone.
  void saveNode(const QString& name, const QJsonObject& info);
  QJsonObject node(const QString& name) const;  // empty when never saved

  // Queues one event (docs/events.md) of a run; returns at once.
  // `rank`: the first rank of the share that sent it, in a run across nodes.
  void appendEvent(qint64 runId, qint64 seq, const QString& type, const QByteArray& json,
                   int rank = 0);
  // Blocks until everything queued so far is committed.
  void flush();
  // Called on the writer thread after each commit with the highest seq committed per run.
  void setCommitListener(std::function<void(qint64 runId, qint64 seq)> listener);
  // Called on the writer thread when committing events starts failing (the message names the
  // file and SQLite's reason: "database or disk is full"), and with "" when it works again.
  // Meanwhile the events stay queued, in order, and are tried again every second; what was
  // committed before stays as it was.
  void setWriteErrorListener(std::function<void(const QString& message)> listener);
  QString writeError() const;  // empty while writing works

  // The highest committed of the rank's events (a share of a run across nodes is known by its
  // first rank), 0 if none.
  qint64 lastSeq(qint64 runId, int rank = 0) const;
  QVector<qint64> storedSeqs(qint64 runId, int rank = 0) const;
  QVector<MetricPoint> metric(qint64 runId, const QString& name) const;
  QList<QByteArray> events(qint64 runId, const QString& type) const;
  // Rank 0's newest event of `type`; empty when it has none.
  QByteArray lastEvent(qint64 runId, const QString& type) const;
  // The runs of `projectId` that have at least one event of `type`.
  QSet<qint64> runsWithEvents(qint64 projectId, const QString& type) const;
  // Rank 0's events of any of `types`, in the order they were sent.
  QList<StoredEvent> events(qint64 runId, const QStringList& types) const;

 private:
  struct Pending {
    qint64 runId;
    int rank;
    qint64 seq;
    QString type;
    QByteArray json;
  };
  void migrate();
  void writeLoop();
  void commitBatch(std::deque<Pending>& batch);
  void exec(sqlite3* db, const char* sql) const;
  // Ends a failed transaction. SQLite has rolled it back itself after some errors (a full disk),
  // and a ROLLBACK then would fail, hiding the error that ended it.
  void rollBack(sqlite3* db) const;

  QString m_path;
  sqlite3* m_db = nullptr;      // reads and run bookkeeping (the caller's thread)
  sqlite3* m_writer = nullptr;  // events (the writer thread)
  mutable std::mutex m_readMutex;
  mutable std::mutex m_mutex;
  std::condition_variable m_wake, m_drained;
  std::deque<Pending> m_queue;
  bool m_writing = false, m_stopping = false;
  std::function<void(qint64, qint64)> m_onCommit;
  std::function<void(const QString&)> m_onWriteError;
  QString m_writeError;
  std::thread m_thread;
};

}  // namespace twb::app
