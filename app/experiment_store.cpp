#include "app/experiment_store.h"

#include <sqlite3.h>

#include <QDateTime>
#include <QJsonArray>
#include <QJsonDocument>
#include <map>

namespace twb::app {

namespace {
constexpr auto kBatchWindow = std::chrono::milliseconds(50);
constexpr auto kRetryAfterFailure = std::chrono::seconds(1);  // a full disk: try again after

// One migration per schema version: migrations[v - 1] takes a database from v - 1 to v.
const char* const kMigrations[] = {
    R"sql(
    CREATE TABLE projects (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, created REAL NOT NULL);
    CREATE TABLE runs (
      id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id),
      name TEXT NOT NULL, job_json TEXT NOT NULL, node TEXT NOT NULL, node_job_id TEXT,
      state TEXT NOT NULL, precision TEXT NOT NULL, created REAL NOT NULL, summary TEXT);
    CREATE TABLE events (
      run_id INTEGER NOT NULL REFERENCES runs(id), seq INTEGER NOT NULL, type TEXT NOT NULL,
      json TEXT NOT NULL, PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
    CREATE TABLE metrics (
      run_id INTEGER NOT NULL, seq INTEGER NOT NULL, name TEXT NOT NULL, step REAL NOT NULL,
      value REAL NOT NULL, wall_time REAL NOT NULL, PRIMARY KEY (run_id, name, seq)) WITHOUT ROWID;
    CREATE TABLE profiles (
      run_id INTEGER NOT NULL, seq INTEGER NOT NULL, step INTEGER NOT NULL, json TEXT NOT NULL,
      PRIMARY KEY (run_id, seq)) WITHOUT ROWID;
    CREATE TABLE artifacts (
      run_id INTEGER NOT NULL, name TEXT NOT NULL, bytes INTEGER NOT NULL, local_path TEXT,
      PRIMARY KEY (run_id, name));
    CREATE TABLE nodes (name TEXT PRIMARY KEY, json TEXT NOT NULL);
    )sql",
    // Why a run failed or was lost, in the node's or the workbench's words.
    R"sql(
    ALTER TABLE runs ADD COLUMN reason TEXT NOT NULL DEFAULT '';
    )sql",
    // A job across nodes: each node's share (its job there) and each share's events, keyed by
    // the share's first rank; a single-node run's events are rank 0's.
    R"sql(
    CREATE TABLE events_by_rank (
      run_id INTEGER NOT NULL REFERENCES runs(id), rank INTEGER NOT NULL, seq INTEGER NOT NULL,
      type TEXT NOT NULL, json TEXT NOT NULL, PRIMARY KEY (run_id, rank, seq)) WITHOUT ROWID;
    INSERT INTO events_by_rank(run_id, rank, seq, type, json)
      SELECT run_id, 0, seq, type, json FROM events;
    DROP TABLE events;
    ALTER TABLE events_by_rank RENAME TO events;
    CREATE TABLE run_shares (
      run_id INTEGER NOT NULL REFERENCES runs(id), node_index INTEGER NOT NULL,
      node TEXT NOT NULL, first_rank INTEGER NOT NULL, node_job_id TEXT NOT NULL DEFAULT '',
      PRIMARY KEY (run_id, node_index));
    )sql",
    // What the user writes about a run: free notes and tags, shown and searched in the browser.
    R"sql(
    ALTER TABLE runs ADD COLUMN notes TEXT NOT NULL DEFAULT '';
    ALTER TABLE runs ADD COLUMN tags TEXT NOT NULL DEFAULT '[]';
    )sql",
    // A run's events of one type (its curves, its profiles) without reading all of its events.
    R"sql(
    CREATE INDEX events_by_type ON events(run_id, type, rank, seq);
    )sql",
    // Sweeps, so that one goes on after a restart of the workbench: its job file, its nodes, and
    // the run each started trial became.
    R"sql(
    CREATE TABLE sweeps (
      id INTEGER PRIMARY KEY, project_id INTEGER NOT NULL REFERENCES projects(id),
      job_json TEXT NOT NULL, nodes TEXT NOT NULL, ended INTEGER NOT NULL DEFAULT 0,
      created REAL NOT NULL);
    CREATE TABLE sweep_trials (
      sweep_id INTEGER NOT NULL REFERENCES sweeps(id), trial INTEGER NOT NULL,
      run_id INTEGER NOT NULL, PRIMARY KEY (sweep_id, trial));
    )sql",
    // The id a run's submission carried, so that after a restart the job it made is found on
    // its node even when the node's answer never reached the store.
    R"sql(
    ALTER TABLE runs ADD COLUMN submission_id TEXT NOT NULL DEFAULT '';
    )sql",
    // The folder a run's job file was in, whose relative paths its node read: a run's job
    // cloned into the Job tab reads them from there again.
    R"sql(
    ALTER TABLE runs ADD COLUMN job_folder TEXT NOT NULL DEFAULT '';
    )sql",
};

// The metrics a step or eval event carries, by the names the Monitor plots.
const std::pair<const char*, const char*> kStepMetrics[] = {
    {"loss", "train/loss"},
    {"accuracy", "train/accuracy"},
    {"lr", "lr"},
    {"samples_per_s", "samples_per_s"},
    {"step_ms", "time/step_ms"},
    {"data_ms", "time/data_ms"},
    {"compute_ms", "time/compute_ms"},
    {"exposed_comm_ms", "time/exposed_comm_ms"}};
const std::pair<const char*, const char*> kEvalMetrics[] = {{"loss", "eval/loss"},
                                                            {"accuracy", "eval/accuracy"}};

// A prepared statement, finalized when it goes out of scope.
class Statement {
 public:
  Statement(sqlite3* db, const char* sql) : m_db(db) {
    if (sqlite3_prepare_v2(db, sql, -1, &m_statement, nullptr) != SQLITE_OK)
      throw StoreError(std::string("SQL error: ") + sqlite3_errmsg(db) + " in: " + sql);
  }
  ~Statement() { sqlite3_finalize(m_statement); }
  Statement& bind(int i, qint64 v) { sqlite3_bind_int64(m_statement, i, v); return *this; }
  Statement& bind(int i, double v) { sqlite3_bind_double(m_statement, i, v); return *this; }
  Statement& bind(int i, const QByteArray& v) {
    sqlite3_bind_text(m_statement, i, v.constData(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Statement& bind(int i, const QString& v) { return bind(i, v.toUtf8()); }
  bool step() {
    const int rc = sqlite3_step(m_statement);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
      throw StoreError(std::string("SQL error: ") + sqlite3_errmsg(m_db));
    return rc == SQLITE_ROW;
  }
  void reset() {
    sqlite3_reset(m_statement);
    sqlite3_clear_bindings(m_statement);
  }
  qint64 integer(int column) const { return sqlite3_column_int64(m_statement, column); }
  double real(int column) const { return sqlite3_column_double(m_statement, column); }
  QByteArray bytes(int column) const {
    return QByteArray(reinterpret_cast<const char*>(sqlite3_column_text(m_statement, column)),
                      sqlite3_column_bytes(m_statement, column));
  }
  QString text(int column) const { return QString::fromUtf8(bytes(column)); }

 private:
  sqlite3* m_db;
  sqlite3_stmt* m_statement = nullptr;
};

sqlite3* openDatabase(const QString& path) {
  sqlite3* db = nullptr;
  if (sqlite3_open_v2(path.toUtf8().constData(), &db,
                      SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK) {
    const std::string why = db ? sqlite3_errmsg(db) : "out of memory";
    sqlite3_close(db);
    throw StoreError(path.toStdString() + ": cannot open the experiment store: " + why);
  }
  sqlite3_busy_timeout(db, 5000);
  return db;
}

double now() { return QDateTime::currentMSecsSinceEpoch() / 1000.0; }
}  // namespace

ExperimentStore::ExperimentStore(const QString& path) : m_path(path) {
  m_db = openDatabase(path);
  try {
    // WAL: readers never wait for the writer, and a crash loses at most the open transaction.
    exec(m_db, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;");
    migrate();
    m_writer = openDatabase(path);
    exec(m_writer, "PRAGMA synchronous=NORMAL;");
  } catch (...) {
    sqlite3_close(m_db);
    throw;
  }
  m_thread = std::thread([this] { writeLoop(); });
}

ExperimentStore::~ExperimentStore() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_wake.notify_all();
  m_thread.join();
  sqlite3_close(m_writer);
  sqlite3_close(m_db);
}

void ExperimentStore::rollBack(sqlite3* db) const {
  if (!sqlite3_get_autocommit(db)) exec(db, "ROLLBACK");
}

void ExperimentStore::exec(sqlite3* db, const char* sql) const {
  char* error = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    const std::string why = error ? error : "unknown error";
    sqlite3_free(error);
    throw StoreError(m_path.toStdString() + ": " + why);
  }
}

int ExperimentStore::schemaVersion() const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, "PRAGMA user_version");
  query.step();
  return static_cast<int>(query.integer(0));
}

void ExperimentStore::migrate() {
  const int current = schemaVersion();
  if (current > kSchemaVersion)
    throw StoreError(m_path.toStdString() + ": made by a newer workbench (schema " +
                     std::to_string(current) + ", this one knows up to " +
                     std::to_string(kSchemaVersion) + ")");
  for (int version = current + 1; version <= kSchemaVersion; ++version) {
    exec(m_db, "BEGIN IMMEDIATE");
    try {
      exec(m_db, kMigrations[version - 1]);
      exec(m_db, ("PRAGMA user_version = " + std::to_string(version)).c_str());
      exec(m_db, "COMMIT");
    } catch (...) {
      rollBack(m_db);
      throw;
    }
  }
}

QString ExperimentStore::integrityCheck() const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, "PRAGMA integrity_check");
  QStringList problems;
  while (query.step()) problems << query.text(0);
  return problems.join("; ");
}

qint64 ExperimentStore::addProject(const QString& name) {
  std::lock_guard lock(m_readMutex);
  Statement insert(m_db, "INSERT INTO projects(name, created) VALUES(?, ?)");
  insert.bind(1, name).bind(2, now()).step();
  return sqlite3_last_insert_rowid(m_db);
}

QList<Project> ExperimentStore::projects() const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, "SELECT id, name FROM projects ORDER BY id");
  QList<Project> result;
  while (query.step()) result.append({query.integer(0), query.text(1)});
  return result;
}

qint64 ExperimentStore::addRun(const Run& run) {
  std::lock_guard lock(m_readMutex);
  Statement insert(m_db,
                   "INSERT INTO runs(project_id, name, job_json, node, node_job_id, state, "
                   "precision, created, summary, submission_id, job_folder) "
                   "VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  insert.bind(1, run.projectId)
      .bind(2, run.name)
      .bind(3, run.jobJson)
      .bind(4, run.node)
      .bind(5, run.nodeJobId)
      .bind(6, remote::jobStateName(run.state))
      .bind(7, run.precision)
      .bind(8, run.created > 0 ? run.created : now())
      .bind(9, QJsonDocument(run.summary).toJson(QJsonDocument::Compact))
      .bind(10, run.submissionId)
      .bind(11, run.jobFolder);
  insert.step();
  return sqlite3_last_insert_rowid(m_db);
}

void ExperimentStore::setRunState(qint64 runId, RunState state, const QString& nodeJobId,
                                  const QString& reason) {
  std::lock_guard lock(m_readMutex);
  Statement update(m_db,
                   "UPDATE runs SET state = ?, node_job_id = COALESCE(NULLIF(?, ''), node_job_id), "
                   "reason = ? WHERE id = ?");
  update.bind(1, remote::jobStateName(state)).bind(2, nodeJobId).bind(3, reason).bind(4, runId).step();
}

void ExperimentStore::setRunNotes(qint64 runId, const QString& notes, const QStringList& tags) {
  std::lock_guard lock(m_readMutex);
  Statement update(m_db, "UPDATE runs SET notes = ?, tags = ? WHERE id = ?");
  update.bind(1, notes)
      .bind(2, QJsonDocument(QJsonArray::fromStringList(tags)).toJson(QJsonDocument::Compact))
      .bind(3, runId)
      .step();
}

void ExperimentStore::setRunSummary(qint64 runId, const QJsonObject& summary) {
  std::lock_guard lock(m_readMutex);
  Statement update(m_db, "UPDATE runs SET summary = ? WHERE id = ?");
  update.bind(1, QJsonDocument(summary).toJson(QJsonDocument::Compact)).bind(2, runId).step();
}

void ExperimentStore::recordArtifact(qint64 runId, const Artifact& artifact) {
  std::lock_guard lock(m_readMutex);
  Statement upsert(m_db, "INSERT OR REPLACE INTO artifacts(run_id, name, bytes, local_path) VALUES(?, ?, ?, ?)");
  upsert.bind(1, runId).bind(2, artifact.name).bind(3, artifact.bytes).bind(4, artifact.localPath).step();
}

QList<Artifact> ExperimentStore::artifacts(qint64 runId) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, "SELECT name, bytes, COALESCE(local_path, '') FROM artifacts WHERE run_id = ? ORDER BY name");
  query.bind(1, runId);
  QList<Artifact> result;
  while (query.step()) result.append({query.text(0), query.integer(1), query.text(2)});
  return result;
}

void ExperimentStore::saveNode(const QString& name, const QJsonObject& info) {
  std::lock_guard lock(m_readMutex);
  Statement upsert(m_db, "INSERT OR REPLACE INTO nodes(name, json) VALUES(?, ?)");
  upsert.bind(1, name).bind(2, QJsonDocument(info).toJson(QJsonDocument::Compact)).step();
}

QJsonObject ExperimentStore::node(const QString& name) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, "SELECT json FROM nodes WHERE name = ?");
  query.bind(1, name);
  return query.step() ? QJsonDocument::fromJson(query.text(0).toUtf8()).object() : QJsonObject();
}

namespace {
constexpr const char* kRunColumns =
    "SELECT id, project_id, name, job_json, node, COALESCE(node_job_id, ''), state, precision, "
    "created, COALESCE(summary, '{}'), reason, notes, tags, submission_id, job_folder FROM runs ";

Run readRun(const Statement& q) {
  Run run;
  run.id = q.integer(0);
  run.projectId = q.integer(1);
  run.name = q.text(2);
  run.jobJson = q.text(3);
  run.node = q.text(4);
  run.nodeJobId = q.text(5);
  run.state = remote::jobStateNamed(q.text(6)).value_or(RunState::Lost);  // a name no state has
  run.precision = q.text(7);
  run.created = q.real(8);
  run.summary = QJsonDocument::fromJson(q.bytes(9)).object();
  run.reason = q.text(10);
  run.notes = q.text(11);
  for (const QJsonValue& tag : QJsonDocument::fromJson(q.bytes(12)).array()) run.tags << tag.toString();
  run.submissionId = q.text(13);
  run.jobFolder = q.text(14);
  return run;
}
}  // namespace

QList<Run> ExperimentStore::unfinishedRuns() const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, (std::string(kRunColumns) + "WHERE state IN ('queued', 'running') ORDER BY id").c_str());
  QList<Run> result;
  while (query.step()) result.append(readRun(query));
  return result;
}

QList<Run> ExperimentStore::runs(qint64 projectId) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, (std::string(kRunColumns) + "WHERE project_id = ? ORDER BY id").c_str());
  query.bind(1, projectId);
  QList<Run> result;
  while (query.step()) result.append(readRun(query));
  return result;
}

void ExperimentStore::deleteRun(qint64 runId) {
  flush();  // nothing of it left in the writer's queue
  std::lock_guard lock(m_readMutex);
  exec(m_db, "BEGIN IMMEDIATE");
  try {
    for (const char* table : {"events", "metrics", "profiles", "artifacts", "run_shares", "sweep_trials"})
      Statement(m_db, (std::string("DELETE FROM ") + table + " WHERE run_id = ?").c_str()).bind(1, runId).step();
    Statement(m_db, "DELETE FROM runs WHERE id = ?").bind(1, runId).step();
    exec(m_db, "COMMIT");
  } catch (...) {
    rollBack(m_db);
    throw;
  }
}

qint64 ExperimentStore::addSweep(qint64 projectId, const QString& jobJson, const QStringList& nodes) {
  std::lock_guard lock(m_readMutex);
  Statement(m_db, "INSERT INTO sweeps(project_id, job_json, nodes, created) VALUES(?, ?, ?, ?)")
      .bind(1, projectId).bind(2, jobJson)
      .bind(3, QJsonDocument(QJsonArray::fromStringList(nodes)).toJson(QJsonDocument::Compact))
      .bind(4, now()).step();
  return sqlite3_last_insert_rowid(m_db);
}

void ExperimentStore::addSweepTrial(qint64 sweepId, int trial, qint64 runId) {
  std::lock_guard lock(m_readMutex);
  Statement(m_db, "INSERT INTO sweep_trials(sweep_id, trial, run_id) VALUES(?, ?, ?)")
      .bind(1, sweepId).bind(2, qint64{trial}).bind(3, runId).step();
}

void ExperimentStore::endSweep(qint64 sweepId) {
  std::lock_guard lock(m_readMutex);
  Statement(m_db, "UPDATE sweeps SET ended = 1 WHERE id = ?").bind(1, sweepId).step();
}

std::optional<Sweep> ExperimentStore::unfinishedSweep() const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, "SELECT id, project_id, job_json, nodes FROM sweeps WHERE ended = 0 ORDER BY id DESC LIMIT 1");
  if (!query.step()) return std::nullopt;
  Sweep sweep{query.integer(0), query.integer(1), query.text(2), {}, {}};
  for (const QJsonValue& node : QJsonDocument::fromJson(query.bytes(3)).array()) sweep.nodes << node.toString();
  Statement trials(m_db, "SELECT trial, run_id FROM sweep_trials WHERE sweep_id = ? ORDER BY trial");
  trials.bind(1, sweep.id);
  while (trials.step()) sweep.trialRuns.insert(static_cast<int>(trials.integer(0)), trials.integer(1));
  return sweep;
}

void ExperimentStore::setRunShare(qint64 runId, const RunShare& share) {
  std::lock_guard lock(m_readMutex);
  Statement(m_db,
            "INSERT INTO run_shares(run_id, node_index, node, first_rank, node_job_id) "
            "VALUES(?, ?, ?, ?, ?) ON CONFLICT(run_id, node_index) DO UPDATE SET "
            "node_job_id = excluded.node_job_id")
      .bind(1, runId).bind(2, qint64{share.nodeIndex}).bind(3, share.node)
      .bind(4, qint64{share.firstRank}).bind(5, share.nodeJobId).step();
}

QList<RunShare> ExperimentStore::runShares(qint64 runId) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db,
                  "SELECT node_index, node, first_rank, node_job_id FROM run_shares "
                  "WHERE run_id = ? ORDER BY node_index");
  query.bind(1, runId);
  QList<RunShare> shares;
  while (query.step())
    shares.append({static_cast<int>(query.integer(0)), query.text(1),
                   static_cast<int>(query.integer(2)), query.text(3)});
  return shares;
}

Run ExperimentStore::run(qint64 runId) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, (std::string(kRunColumns) + "WHERE id = ?").c_str());
  query.bind(1, runId);
  if (!query.step()) throw StoreError("no run " + std::to_string(runId) + " in the store");
  return readRun(query);
}

void ExperimentStore::appendEvent(qint64 runId, qint64 seq, const QString& type,
                                  const QByteArray& json, int rank) {
  {
    std::lock_guard lock(m_mutex);
    m_queue.push_back({runId, rank, seq, type, json});
  }
  m_wake.notify_one();
}

void ExperimentStore::flush() {
  std::unique_lock lock(m_mutex);
  m_wake.notify_one();
  // While writes fail (a full disk) nothing drains: the caller goes on, the events stay queued.
  m_drained.wait(lock, [this] { return (m_queue.empty() && !m_writing) || !m_writeError.isEmpty(); });
}

void ExperimentStore::setWriteErrorListener(std::function<void(const QString&)> listener) {
  std::lock_guard lock(m_mutex);
  m_onWriteError = std::move(listener);
}

QString ExperimentStore::writeError() const {
  std::lock_guard lock(m_mutex);
  return m_writeError;
}

void ExperimentStore::setCommitListener(std::function<void(qint64, qint64)> listener) {
  std::lock_guard lock(m_mutex);
  m_onCommit = std::move(listener);
}

void ExperimentStore::writeLoop() {
  std::unique_lock lock(m_mutex);
  for (;;) {
    m_wake.wait(lock, [this] { return m_stopping || !m_queue.empty(); });
    if (m_queue.empty() && m_stopping) return;
    // A short window gathers what else arrives, so a burst is one transaction.
    m_wake.wait_for(lock, kBatchWindow, [this] { return m_stopping || m_queue.size() >= 4096; });
    std::deque<Pending> batch;
    batch.swap(m_queue);
    m_writing = true;
    lock.unlock();
    QString failure;
    try {
      commitBatch(batch);
    } catch (const StoreError& e) {
      failure = QString::fromUtf8(e.what());
      try {
        exec(m_writer, "ROLLBACK");
      } catch (const StoreError&) {
        // SQLite rolled back already: nothing of the batch is in the file.
      }
    }
    lock.lock();
    m_writing = false;
    if (!failure.isEmpty()) {
      // The batch goes back in front, in order, and is tried again: what was committed stays,
      // what was not is not lost while the workbench runs.
      batch.insert(batch.end(), m_queue.begin(), m_queue.end());
      m_queue.swap(batch);
    }
    if (failure != m_writeError) {
      m_writeError = failure;
      if (m_onWriteError) m_onWriteError(failure);  // "" when writing works again
    }
    m_drained.notify_all();
    if (!failure.isEmpty())
      m_wake.wait_for(lock, kRetryAfterFailure, [this] { return m_stopping; });
    if (!failure.isEmpty() && m_stopping) return;  // never written; the nodes still have them
  }
}

void ExperimentStore::commitBatch(std::deque<Pending>& batch) {
  std::map<qint64, qint64> lastSeq;
  exec(m_writer, "BEGIN IMMEDIATE");
  {
    Statement event(m_writer,
                    "INSERT OR IGNORE INTO events(run_id, rank, seq, type, json) VALUES(?, ?, ?, ?, ?)");
    Statement metric(m_writer,
                     "INSERT OR IGNORE INTO metrics(run_id, seq, name, step, value, wall_time) "
                     "VALUES(?, ?, ?, ?, ?, ?)");
    Statement profile(m_writer, "INSERT OR IGNORE INTO profiles(run_id, seq, step, json) VALUES(?, ?, ?, ?)");
    for (const Pending& e : batch) {
      event.bind(1, e.runId).bind(2, qint64{e.rank}).bind(3, e.seq).bind(4, e.type).bind(5, e.json).step();
      event.reset();
      // Rank 0's events are the run's: its metrics and profiles (which carry every rank's).
      if (e.rank != 0) continue;
      lastSeq[e.runId] = std::max(lastSeq[e.runId], e.seq);
      if (e.type != "step" && e.type != "eval" && e.type != "profile") continue;
      const QJsonObject object = QJsonDocument::fromJson(e.json).object();
      const double step = object.value("step").toDouble(), time = object.value("time").toDouble();
      if (e.type == "profile") {
        profile.bind(1, e.runId).bind(2, e.seq).bind(3, static_cast<qint64>(step)).bind(4, e.json).step();
        profile.reset();
        continue;
      }
      const auto insertMetrics = [&](const auto& names) {
        for (const auto& [field, name] : names)
          if (object.contains(field)) {
            metric.bind(1, e.runId).bind(2, e.seq).bind(3, QString(name)).bind(4, step)
                .bind(5, object.value(field).toDouble()).bind(6, time).step();
            metric.reset();
          }
      };
      if (e.type == "step") insertMetrics(kStepMetrics);
      else insertMetrics(kEvalMetrics);
    }
  }
  exec(m_writer, "COMMIT");
  std::function<void(qint64, qint64)> onCommit;
  {
    std::lock_guard lock(m_mutex);
    onCommit = m_onCommit;
  }
  if (onCommit)
    for (const auto& [run, seq] : lastSeq) onCommit(run, seq);
}

qint64 ExperimentStore::lastSeq(qint64 runId, int rank) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, "SELECT COALESCE(MAX(seq), 0) FROM events WHERE run_id = ? AND rank = ?");
  query.bind(1, runId).bind(2, qint64{rank}).step();
  return query.integer(0);
}

QVector<qint64> ExperimentStore::storedSeqs(qint64 runId, int rank) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db, "SELECT seq FROM events WHERE run_id = ? AND rank = ? ORDER BY seq");
  query.bind(1, runId).bind(2, qint64{rank});
  QVector<qint64> seqs;
  while (query.step()) seqs.append(query.integer(0));
  return seqs;
}

QVector<MetricPoint> ExperimentStore::metric(qint64 runId, const QString& name) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db,
                  "SELECT seq, step, value, wall_time FROM metrics WHERE run_id = ? AND name = ? "
                  "ORDER BY seq");
  query.bind(1, runId).bind(2, name);
  QVector<MetricPoint> points;
  while (query.step()) points.append({query.integer(0), query.real(1), query.real(2), query.real(3)});
  return points;
}

QList<QByteArray> ExperimentStore::events(qint64 runId, const QString& type) const {
  QList<QByteArray> jsons;
  for (StoredEvent& event : events(runId, QStringList{type})) jsons.append(std::move(event.json));
  return jsons;
}

QByteArray ExperimentStore::lastEvent(qint64 runId, const QString& type) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db,
                  "SELECT json FROM events INDEXED BY events_by_type "
                  "WHERE run_id = ? AND rank = 0 AND type = ? ORDER BY seq DESC LIMIT 1");
  query.bind(1, runId).bind(2, type);
  return query.step() ? query.bytes(0) : QByteArray();
}

QSet<qint64> ExperimentStore::runsWithEvents(qint64 projectId, const QString& type) const {
  std::lock_guard lock(m_readMutex);
  Statement query(m_db,
                  "SELECT id FROM runs WHERE project_id = ? AND EXISTS "
                  "(SELECT 1 FROM events WHERE events.run_id = runs.id AND events.type = ?)");
  query.bind(1, projectId).bind(2, type);
  QSet<qint64> result;
  while (query.step()) result.insert(query.integer(0));
  return result;
}

QList<StoredEvent> ExperimentStore::events(qint64 runId, const QStringList& types) const {
  std::lock_guard lock(m_readMutex);
  QStringList placeholders(types.size(), "?");
  // SQLite's planner, without statistics, walks all of the run's events by primary key rather
  // than the type index: right for the Monitor's many types, slow for one sparse type (a run's
  // state events among its thousands of steps), which the index finds directly.
  const char* table = types.size() == 1 ? "events INDEXED BY events_by_type" : "events";
  const std::string sql = std::string("SELECT seq, type, json FROM ") + table +
                          " WHERE run_id = ? AND rank = 0 AND type IN (" +
                          placeholders.join(", ").toStdString() + ") ORDER BY seq";
  Statement query(m_db, sql.c_str());
  query.bind(1, runId);
  for (int i = 0; i < types.size(); ++i) query.bind(i + 2, types[i]);
  QList<StoredEvent> result;
  while (query.step()) result.append({query.integer(0), query.text(1), query.bytes(2)});
  return result;
}

}  // namespace twb::app
