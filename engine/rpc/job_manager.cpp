#include "rpc/job_manager.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "core/oom_kills.h"
#include "rpc/event_log_reader.h"
#include "train/event_log.h"

extern char** environ;

namespace twb {

namespace fs = std::filesystem;

namespace {
constexpr auto kMonitorPeriod = std::chrono::milliseconds(25);
constexpr auto kCancelGrace = std::chrono::seconds(15);

double unixNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string describeEnd(int exitCode, int signal, int64_t oomKillsAtStart) {
  if (signal)
    return "worker killed by signal " + std::to_string(signal) + " (" + sigabbrev_np(signal) + ")" +
           outOfMemoryNote(signal, oomKillsAtStart);
  if (exitCode >= 0)
    return "worker exited with code " + std::to_string(exitCode) + " without a final state";
  return "worker ended while no daemon was watching it; its exit status is unknown";
}

// Appends one state event to the job's log (the worker has ended, so the daemon is its only
// writer); a record torn by the worker's death is cut off first.
void logState(const JobFolder& folder, JobState state, nlohmann::json fields = {}) {
  EventLog log;
  log.open(folder.events());
  if (fields.is_null()) fields = nlohmann::json::object();
  fields["state"] = jobStateName(state);
  log.publish("state", std::move(fields));
}
}  // namespace

long long processStartTicks(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text;
  if (!in || !std::getline(in, text)) return 0;
  // The command name (field 2) may hold spaces and parentheses: count fields after its ')'.
  std::istringstream fields(text.substr(text.rfind(')') + 2));
  std::string field;
  for (int i = 3; i <= 22 && fields >> field; ++i) {
    if (i == 3 && field == "Z") return 0;  // ended, not yet reaped by its (new) parent
    if (i == 22) return std::atoll(field.c_str());
  }
  return 0;
}

JobManager::JobManager(Options options)
    : m_options(std::move(options)), m_jobsDir(m_options.dataDir + "/jobs") {
  if (m_options.maxJobs < 1)
    throw Error("--max-jobs must be >= 1 (is " + std::to_string(m_options.maxJobs) + ")");
  std::error_code ec;
  fs::create_directories(m_jobsDir, ec);
  if (ec) throw Error(m_jobsDir + ": cannot create the jobs folder: " + ec.message());
  reload();
  m_monitor = std::thread([this] { monitor(); });
}

JobManager::~JobManager() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_monitor.join();
}

void JobManager::reload() {
  std::lock_guard lock(m_mutex);
  for (const auto& item : fs::directory_iterator(m_jobsDir)) {
    const std::string id = item.path().filename().string();
    if (id.size() > 1 && id[0] == 'j')
      m_nextId = std::max<int64_t>(m_nextId, std::atoll(id.c_str() + 1) + 1);
    const JobFolder folder{item.path().string()};
    if (!fs::exists(folder.status())) continue;  // reserved, never enqueued
    Entry entry;
    entry.record = folder.load();
    if (entry.record.state == JobState::running) {
      const long long ticks = processStartTicks(entry.record.pid);
      if (ticks == 0 || ticks != entry.record.pidStartTicks) finishLocked(entry, -1, 0);
    }
    if (!isFinished(entry.record.state)) m_changes.watchFolder(folder.dir);
    m_jobs.emplace(id, std::move(entry));
  }
  startQueuedLocked();
}

JobFolder JobManager::reserve(std::string& id) {
  std::lock_guard lock(m_mutex);
  char name[32];
  int64_t number = m_nextId;
  if (!m_returnedIds.empty()) {  // a refused submission's id: the ids a client sees stay dense
    number = *m_returnedIds.begin();
    m_returnedIds.erase(m_returnedIds.begin());
  } else {
    ++m_nextId;
  }
  std::snprintf(name, sizeof name, "j%04lld", static_cast<long long>(number));
  id = name;
  const JobFolder folder = this->folder(id);
  std::error_code ec;
  fs::create_directories(folder.out(), ec);
  if (ec) throw Error(folder.dir + ": cannot create the job folder: " + ec.message());
  return folder;
}

void JobManager::discard(const std::string& id) {
  std::error_code ec;
  fs::remove_all(folder(id).dir, ec);
  std::lock_guard lock(m_mutex);
  m_returnedIds.insert(std::atoll(id.c_str() + 1));
}

JobRecord JobManager::enqueue(const std::string& id, const std::string& name,
                              const std::string& kind, const std::string& submissionId) {
  const JobFolder folder = this->folder(id);
  m_changes.watchFolder(folder.dir);
  Entry entry;
  entry.record.id = id;
  entry.record.name = name;
  entry.record.kind = kind;
  entry.record.submissionId = submissionId;
  entry.record.submittedTime = unixNow();
  logState(folder, JobState::queued, {{"job", id}, {"name", name}, {"kind", kind}});
  std::lock_guard lock(m_mutex);
  saveLocked(entry);
  auto& stored = m_jobs.emplace(id, std::move(entry)).first->second;
  startQueuedLocked();
  m_changes.notify();
  return stored.record;
}

std::optional<JobRecord> JobManager::cancel(const std::string& id, bool atOnce) {
  std::lock_guard lock(m_mutex);
  const auto found = m_jobs.find(id);
  if (found == m_jobs.end()) return std::nullopt;
  Entry& entry = found->second;
  if (entry.record.state == JobState::queued) {
    logState(folder(id), JobState::cancelled, {{"reason", "cancelled before it started"}});
    entry.record.state = JobState::cancelled;
    entry.record.reason = "cancelled before it started";
    entry.record.finishedTime = unixNow();
    saveLocked(entry);
  } else if (entry.record.state == JobState::running) {
    if (!entry.record.cancelRequested) {
      entry.record.cancelRequested = true;
      entry.killAt = std::chrono::steady_clock::now() + kCancelGrace;
      saveLocked(entry);
      if (!atOnce) ::kill(entry.record.pid, SIGTERM);
    }
    if (atOnce && !entry.killAtOnce) {
      entry.killAtOnce = true;
      ::kill(entry.record.pid, SIGKILL);
    }
  }
  m_changes.notify();
  return entry.record;
}

std::optional<JobRecord> JobManager::find(const std::string& id) const {
  std::lock_guard lock(m_mutex);
  const auto found = m_jobs.find(id);
  if (found == m_jobs.end()) return std::nullopt;
  return found->second.record;
}

std::optional<JobRecord> JobManager::findSubmission(const std::string& submissionId) const {
  std::lock_guard lock(m_mutex);
  for (const auto& [id, entry] : m_jobs)
    if (entry.record.submissionId == submissionId) return entry.record;
  return std::nullopt;
}

std::vector<JobRecord> JobManager::list() const {
  std::lock_guard lock(m_mutex);
  std::vector<JobRecord> records;
  for (const auto& [id, entry] : m_jobs) records.push_back(entry.record);
  return records;
}

void JobManager::monitor() {
  for (;;) {
    std::this_thread::sleep_for(kMonitorPeriod);
    std::lock_guard lock(m_mutex);
    if (m_stopping) return;
    bool changed = false;
    for (auto& [id, entry] : m_jobs) {
      if (entry.record.state != JobState::running) continue;
      int exitCode = -1, signal = 0;
      if (workerEndedLocked(entry, exitCode, signal)) {
        finishLocked(entry, exitCode, signal);
        changed = true;
      } else if (entry.record.cancelRequested && std::chrono::steady_clock::now() > entry.killAt) {
        ::kill(entry.record.pid, SIGKILL);
      }
    }
    if (changed) {
      startQueuedLocked();
      m_changes.notify();
    }
  }
}

bool JobManager::workerEndedLocked(Entry& entry, int& exitCode, int& signal) {
  const int pid = entry.record.pid;
  if (entry.child) {
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) != pid) return false;
    if (WIFEXITED(status)) exitCode = WEXITSTATUS(status);
    if (WIFSIGNALED(status)) signal = WTERMSIG(status);
    return true;
  }
  // Reattached after a restart: not our child, so only its disappearance can be seen.
  return processStartTicks(pid) != entry.record.pidStartTicks;
}

void JobManager::finishLocked(Entry& entry, int exitCode, int signal) {
  JobRecord& record = entry.record;
  const JobFolder folder = this->folder(record.id);
  const auto last = lastStateEvent(folder.events());
  const JobState logged = last ? parseJobState(last->value("state", "lost")) : JobState::lost;
  if (isFinished(logged) && logged != JobState::lost) {
    record.state = logged;
    record.reason = last->value("reason", "");
  } else if (record.cancelRequested) {
    record.state = JobState::cancelled;
    record.reason = entry.killAtOnce ? "killed at once: another part of the job failed"
                                     : "killed: it did not stop within 15 s of the cancel";
    logState(folder, record.state, {{"reason", record.reason}, {"signal", signal}});
  } else {
    record.state = JobState::lost;
    record.reason = describeEnd(exitCode, signal, entry.oomKillsAtStart);
    logState(folder, record.state,
             {{"reason", record.reason}, {"exit_code", exitCode}, {"signal", signal}});
  }
  record.exitCode = exitCode;
  record.signal = signal;
  record.finishedTime = unixNow();
  saveLocked(entry);
}

void JobManager::startQueuedLocked() {
  int running = 0;
  for (const auto& [id, entry] : m_jobs) running += entry.record.state == JobState::running;
  for (auto& [id, entry] : m_jobs) {
    if (running >= m_options.maxJobs) return;
    if (entry.record.state != JobState::queued) continue;
    startLocked(entry);
    ++running;
  }
}

void JobManager::startLocked(Entry& entry) {
  JobRecord& record = entry.record;
  const JobFolder folder = this->folder(record.id);
  entry.oomKillsAtStart = outOfMemoryKills();
  posix_spawn_file_actions_t files;
  posix_spawn_file_actions_init(&files);
  posix_spawn_file_actions_addopen(&files, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&files, 1, folder.workerLog().c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&files, 1, 2);
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  // A session of its own: a signal to the daemon's terminal or group does not reach the job,
  // and the job outlives a daemon restart.
  // Its signals start unblocked and at their defaults: `serve` blocks SIGINT / SIGTERM in every
  // thread (one thread waits for them), and a spawned worker would inherit that mask and never
  // hear the SIGTERM of a CancelJob.
  sigset_t none, stopSignals;
  sigemptyset(&none);
  sigemptyset(&stopSignals);
  sigaddset(&stopSignals, SIGINT);
  sigaddset(&stopSignals, SIGTERM);
  posix_spawnattr_setsigmask(&attributes, &none);
  posix_spawnattr_setsigdefault(&attributes, &stopSignals);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::string worker = "worker";
  std::string dir = folder.dir;
  char* argv[] = {m_options.engineBinary.data(), worker.data(), dir.data(), nullptr};
  pid_t pid = 0;
  const int failed = posix_spawn(&pid, m_options.engineBinary.c_str(), &files, &attributes, argv,
                                 environ);
  posix_spawn_file_actions_destroy(&files);
  posix_spawnattr_destroy(&attributes);
  record.startedTime = unixNow();
  if (failed) {
    record.state = JobState::failed;
    record.reason = "cannot start the worker " + m_options.engineBinary + ": " +
                    std::strerror(failed);
    record.finishedTime = record.startedTime;
    logState(folder, record.state, {{"reason", record.reason}});
    saveLocked(entry);
    return;
  }
  record.state = JobState::running;
  record.pid = pid;
  record.pidStartTicks = processStartTicks(pid);
  entry.child = true;
  saveLocked(entry);
}

void JobManager::saveLocked(const Entry& entry) { folder(entry.record.id).save(entry.record); }

}  // namespace twb
