#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace twb {

enum class JobState { queued, running, succeeded, failed, cancelled, lost };

const char* jobStateName(JobState state);  // as events and docs write it: "queued", ...
JobState parseJobState(const std::string& name);
bool isFinished(JobState state);

// What the node service knows about one job, kept in its folder as status.json. Only the daemon
// writes it (the worker writes the events log), always to a temporary file renamed over the old
// one, so a crash leaves the previous or the new version, never a torn one.
struct JobRecord {
  std::string id, name, kind;  // kind: train | quantize | export
  std::string submissionId;    // the client's, for idempotent submission; may be empty
  JobState state = JobState::queued;
  std::string reason;
  double submittedTime = 0, startedTime = 0, finishedTime = 0;
  int pid = 0;                // the worker, while it runs
  long long pidStartTicks = 0;  // its start time (/proc/PID/stat), so a reused pid is not taken
                                // for it after a daemon restart
  int exitCode = -1, signal = 0;
  bool cancelRequested = false;

  nlohmann::json toJson() const;
  static JobRecord fromJson(const nlohmann::json& json);
};

// The folder of one job: DATA/jobs/ID/ with task.json (what to run), status.json (JobRecord),
// events.jsonl (the durable event log), worker.log (the worker's stdout and stderr) and out/
// (artifacts).
struct JobFolder {
  std::string dir;
  std::string task() const { return dir + "/task.json"; }
  std::string status() const { return dir + "/status.json"; }
  std::string events() const { return dir + "/events.jsonl"; }
  std::string workerLog() const { return dir + "/worker.log"; }
  std::string out() const { return dir + "/out"; }

  void save(const JobRecord& record) const;
  JobRecord load() const;  // throws twb::Error naming the file
};

}  // namespace twb
