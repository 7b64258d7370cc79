#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "rpc/change_signal.h"
#include "rpc/job_record.h"

namespace twb {

// The jobs of one node. Each job runs as its own `twb-engine worker` process in its own folder
// under DATA/jobs, in a session of its own, so a crashing job cannot take the daemon down and a
// restarted daemon finds it still running. At most `maxJobs` run at once; the rest wait queued.
// A worker that ends without writing its final state is `lost`, with its exit code or signal.
class JobManager {
 public:
  struct Options {
    std::string dataDir;
    std::string engineBinary;  // started as `ENGINE worker FOLDER`
    int maxJobs = 1;
  };

  // Reloads every job from disk: running workers still alive are reattached, those that died
  // while no daemon watched are finished from their logs, queued jobs are started.
  explicit JobManager(Options options);
  // Stops watching; workers keep running and the next daemon reattaches them.
  ~JobManager();
  JobManager(const JobManager&) = delete;
  JobManager& operator=(const JobManager&) = delete;

  // A new job's folder, to be filled (task.json, sent files) and then enqueued or discarded.
  JobFolder reserve(std::string& id);
  // Removes a reserved folder never enqueued (a refused submission); its id goes to the next job.
  void discard(const std::string& id);
  // Logs the "queued" state event and starts the job when a slot is free.
  JobRecord enqueue(const std::string& id, const std::string& name, const std::string& kind,
                    const std::string& submissionId = {});

  // Queued: cancelled at once. Running: the worker is asked to stop (SIGTERM: training writes a
  // checkpoint first) and killed if it has not ended 15 s later, or at once with `atOnce` (its
  // ranks wait on a failed peer and would not reach the checkpoint). Finished: unchanged.
  std::optional<JobRecord> cancel(const std::string& id, bool atOnce = false);
  std::optional<JobRecord> find(const std::string& id) const;
  std::optional<JobRecord> findSubmission(const std::string& submissionId) const;
  std::vector<JobRecord> list() const;
  JobFolder folder(const std::string& id) const { return {m_jobsDir + "/" + id}; }
  int maxJobs() const { return m_options.maxJobs; }
  const ChangeSignal& changes() const { return m_changes; }

 private:
  struct Entry {
    JobRecord record;
    bool child = false;  // started by this daemon (waitpid works), or reattached
    std::chrono::steady_clock::time_point killAt{};
    bool killAtOnce = false;  // cancelled with atOnce
    // The kernel's out-of-memory kills when this daemon started the worker (-1: reattached).
    int64_t oomKillsAtStart = -1;
  };
  void reload();
  void monitor();
  void startQueuedLocked();
  void startLocked(Entry& entry);
  bool workerEndedLocked(Entry& entry, int& exitCode, int& signal);
  void finishLocked(Entry& entry, int exitCode, int signal);
  void saveLocked(const Entry& entry);

  Options m_options;
  std::string m_jobsDir;
  ChangeSignal m_changes;
  mutable std::mutex m_mutex;
  std::map<std::string, Entry> m_jobs;
  int64_t m_nextId = 1;
  std::set<int64_t> m_returnedIds;  // reserved, then discarded: given out first
  bool m_stopping = false;
  std::thread m_monitor;
};

// The start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat), 0 when
// it does not exist or has ended (a zombie).
long long processStartTicks(int pid);

}  // namespace twb
