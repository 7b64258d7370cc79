#include "rpc/job_record.h"

#include <fstream>

#include "core/error.h"
#include "core/file_writing.h"

namespace twb {

namespace {
constexpr const char* kStateNames[] = {"queued",    "running", "succeeded",
                                       "failed",    "cancelled", "lost"};
}

const char* jobStateName(JobState state) { return kStateNames[static_cast<int>(state)]; }

JobState parseJobState(const std::string& name) {
  for (int i = 0; i < 6; ++i)
    if (name == kStateNames[i]) return static_cast<JobState>(i);
  throw Error("unknown job state '" + name + "'");
}

bool isFinished(JobState state) {
  return state != JobState::queued && state != JobState::running;
}

nlohmann::json JobRecord::toJson() const {
  return {{"id", id},
          {"name", name},
          {"kind", kind},
          {"submission_id", submissionId},
          {"state", jobStateName(state)},
          {"reason", reason},
          {"submitted_time", submittedTime},
          {"started_time", startedTime},
          {"finished_time", finishedTime},
          {"pid", pid},
          {"pid_start_ticks", pidStartTicks},
          {"exit_code", exitCode},
          {"signal", signal},
          {"cancel_requested", cancelRequested}};
}

JobRecord JobRecord::fromJson(const nlohmann::json& json) {
  JobRecord r;
  r.id = json.at("id").get<std::string>();
  r.name = json.at("name").get<std::string>();
  r.kind = json.at("kind").get<std::string>();
  r.submissionId = json.value("submission_id", "");  // none in folders of older daemons
  r.state = parseJobState(json.at("state").get<std::string>());
  r.reason = json.at("reason").get<std::string>();
  r.submittedTime = json.at("submitted_time").get<double>();
  r.startedTime = json.at("started_time").get<double>();
  r.finishedTime = json.at("finished_time").get<double>();
  r.pid = json.at("pid").get<int>();
  r.pidStartTicks = json.at("pid_start_ticks").get<long long>();
  r.exitCode = json.at("exit_code").get<int>();
  r.signal = json.at("signal").get<int>();
  r.cancelRequested = json.at("cancel_requested").get<bool>();
  return r;
}

void JobFolder::save(const JobRecord& record) const {
  writeFileWhole(status(), record.toJson().dump(2) + "\n", {.durable = true});
}

JobRecord JobFolder::load() const {
  std::ifstream in(status());
  if (!in) throw Error(status() + ": missing");
  try {
    return JobRecord::fromJson(nlohmann::json::parse(in));
  } catch (const std::exception& e) {
    throw Error(status() + ": " + e.what());
  }
}

}  // namespace twb
