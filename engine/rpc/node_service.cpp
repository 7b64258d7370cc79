#include "rpc/node_service.h"

#include <atomic>
#include <filesystem>
#include <fstream>
#include <regex>

#include "core/available_memory.h"
#include "core/error.h"
#include "core/file_writing.h"
#include "exec/device_choice.h"
#include "exec/gradient_values.h"
#include "graph/templates.h"
#include "ops/op_catalog.h"
#include "rpc/event_log_reader.h"
#include "rpc/job_task.h"
#include "rpc/node_info.h"
#include "train/job_plan.h"

namespace twb {

namespace fs = std::filesystem;
namespace v1 = node::v1;

namespace {
constexpr size_t kMaxEventsPerBatch = 4096;
constexpr size_t kMaxBatchBytes = 1 << 20;
constexpr size_t kChunkBytes = 1 << 20;
constexpr auto kWatchPoll = std::chrono::milliseconds(250);

grpc::Status invalid(const std::string& message) {
  return {grpc::StatusCode::INVALID_ARGUMENT, message};
}

template <typename Files>
void writeJobFiles(const Files& files, const std::string& dir) {
  for (int i = 0; i < files.size(); ++i) {
    const std::string& name = files[i].name();
    const fs::path path(name);
    const std::string where = "files[" + std::to_string(i) + "].name";
    if (name.empty() || path.is_absolute() || path.lexically_normal().string().starts_with(".."))
      throw Error(where + ": '" + name + "' must be a relative path inside the job's folder");
    const fs::path target = fs::path(dir) / path.lexically_normal();
    fs::create_directories(target.parent_path());
    std::ofstream out(target, std::ios::binary);
    out.write(files[i].content().data(), static_cast<std::streamsize>(files[i].content().size()));
    if (!out) throw Error(where + ": cannot write '" + name + "' on the node");
  }
}

nlohmann::json parseJobJson(const std::string& text) {
  if (text.empty()) throw Error("job_json: empty; a job file is required");
  return parseJsonText(text, "job_json");
}

// The path on this node of the model a quantize or export job reads; errors name the field
// under `where` ("quantize.model").
std::string sourceModel(const v1::ModelSource& source, const JobManager& jobs,
                        const std::string& folder, const std::string& where) {
  if (!source.file().empty()) return folder + "/" + source.file();
  if (source.job().empty()) throw Error(where + ".job: required (or " + where + ".file)");
  if (!jobs.find(source.job()))
    throw Error(where + ".job: no job '" + source.job() + "' on this node");
  const std::string artifact = source.artifact().empty() ? "model.twbm" : source.artifact();
  const std::string path = jobs.folder(source.job()).out() + "/" + artifact;
  if (fs::path(artifact).lexically_normal().string().starts_with("..") || !fs::is_regular_file(path))
    throw Error(where + ".artifact: job " + source.job() + " has no artifact '" + artifact + "'");
  return path;
}

// The run folder of train job `id`, whose latest checkpoint a new job continues from.
std::string resumeFolder(const std::string& id, const JobManager& jobs) {
  const auto job = jobs.find(id);
  if (!job) throw Error("train.resume_job: no job '" + id + "' on this node");
  if (job->kind != "train") throw Error("train.resume_job: job " + id + " is a " + job->kind + " job, not training");
  const std::string out = jobs.folder(id).out();
  if (!fs::is_directory(out + "/checkpoints") || fs::is_empty(out + "/checkpoints"))
    throw Error("train.resume_job: job " + id + " has no checkpoint to resume from");
  return out;
}

std::string checkedJobFolder(const std::string& folder, const std::string& field) {
  if (!fs::path(folder).is_absolute())
    throw Error(field + ": '" + folder + "' must be an absolute path on the node");
  return folder;
}

nlohmann::json taskOf(const std::string& id, const JobManager& jobs) {
  std::ifstream in(jobs.folder(id).task());
  const nlohmann::json task = nlohmann::json::parse(in, nullptr, false);
  return task.is_object() ? task : nlohmann::json::object();
}

// The job_folder of train job `id`'s task; empty when it had none.
std::string jobFolderOf(const std::string& id, const JobManager& jobs) {
  return taskOf(id, jobs).value("job_folder", "");
}

// The datasets train job `id` trained and tested on, their paths resolved as it resolved them;
// empty for another kind of job.
JobDatasets trainingDataOf(const std::string& id, const JobManager& jobs) {
  const nlohmann::json task = taskOf(id, jobs);
  if (task.value("kind", "") != "train") return {};
  return datasetsOfJob(task.at("job"), task.value("job_folder", jobs.folder(id).dir));
}

nlohmann::json placementJson(const v1::RankPlacement& placement) {
  return {{"first_rank", placement.first_rank()},
          {"rendezvous", placement.rendezvous()},
          {"secret", placement.secret()}};
}

nlohmann::json buildTask(const v1::SubmitJobRequest& request, const JobManager& jobs,
                         const std::string& folder) {
  switch (request.kind_case()) {
    case v1::SubmitJobRequest::kTrain: {
      nlohmann::json task = {{"kind", "train"}, {"job", parseJobJson(request.train().job_json())}};
      if (const std::string& resume = request.train().resume_job(); !resume.empty())
        task["resume_from"] = resumeFolder(resume, jobs);
      if (const std::string given = request.train().job_folder(); !given.empty())
        task["job_folder"] = checkedJobFolder(given, "train.job_folder");
      else if (const std::string& resume = request.train().resume_job(); !resume.empty())
        if (const std::string first = jobFolderOf(resume, jobs); !first.empty())
          task["job_folder"] = first;
      if (request.train().has_placement()) task["placement"] = placementJson(request.train().placement());
      return task;
    }
    case v1::SubmitJobRequest::kQuantize: {
      const auto& q = request.quantize();
      nlohmann::json task = {{"kind", "quantize"},
                             {"model", sourceModel(q.model(), jobs, folder, "quantize.model")},
                             {"samples", q.samples() ? q.samples() : 512},
                             {"observer", q.observer().empty() ? "percentile" : q.observer()},
                             {"scheme", q.scheme().empty() ? "per-channel" : q.scheme()},
                             {"window", q.window() ? q.window() : 8}};
      if (q.has_max_drop()) task["max_drop"] = q.max_drop();
      // Unless told otherwise, a model trained here calibrates on the data it trained on and is
      // evaluated on its test data; of any other model the node does not know the data.
      JobDatasets data{q.calibration(), ""};
      if (data.train.empty() && !q.model().job().empty())
        data = trainingDataOf(q.model().job(), jobs);
      if (data.train.empty())
        throw Error(
            "quantize.calibration: required for a model that no train job of this node "
            "made (the node does not know the data it was trained on)");
      task["calibration"] = data.train;
      if (!data.test.empty()) task["evaluation"] = data.test;
      return task;
    }
    case v1::SubmitJobRequest::kExport:
      return {{"kind", "export"},
              {"model", sourceModel(request.export_().model(), jobs, folder, "export.model")},
              {"format", request.export_().format().empty() ? "onnx" : request.export_().format()}};
    default:
      throw Error("kind: one of train, quantize or export is required");
  }
}

v1::JobState toProto(JobState state) {
  switch (state) {
    case JobState::queued: return v1::QUEUED;
    case JobState::running: return v1::RUNNING;
    case JobState::succeeded: return v1::SUCCEEDED;
    case JobState::failed: return v1::FAILED;
    case JobState::cancelled: return v1::CANCELLED;
    case JobState::lost: return v1::LOST;
  }
  return v1::JOB_STATE_UNSPECIFIED;
}
}  // namespace

std::string problemPath(const std::string& message) {
  static const std::regex segment(
      R"(([A-Za-z_][\w.\[\]]*|nodes\[\d+\] '[^']*'|node '[^']*'( \(\w+\))?))");
  std::string path;
  size_t start = 0;
  for (size_t colon; (colon = message.find(": ", start)) != std::string::npos;) {
    const std::string part = message.substr(start, colon - start);
    if (!std::regex_match(part, segment)) break;
    path += (path.empty() ? "" : ": ") + part;
    start = colon + 2;
  }
  return path;
}

NodeService::NodeService(JobManager& jobs, AccessToken token, std::string scratchDir,
                         const std::string& dataDir)
    : m_jobs(jobs),
      m_token(std::move(token)),
      m_scratchDir(std::move(scratchDir)),
      m_peaks(dataDir + "/peaks.json") {
  fs::create_directories(m_scratchDir);
}

grpc::Status NodeService::GetNodeInfo(grpc::ServerContext* context,
                                      const v1::GetNodeInfoRequest*, v1::NodeInfo* info) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  *info = readNodeInfo(m_jobs.maxJobs());
  for (const auto& [precision, gflops] : m_peaks.get()) {
    auto* peak = info->add_peaks();
    peak->set_precision(precision);
    peak->set_gflops(gflops);
  }
  return grpc::Status::OK;
}

grpc::Status NodeService::GetOpCatalog(grpc::ServerContext* context,
                                       const v1::GetOpCatalogRequest*, v1::OpCatalog* catalog) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  for (const auto& entry : opCatalog()) {
    auto* op = catalog->add_ops();
    op->set_name(entry["name"].get<std::string>());
    op->set_doc(entry["doc"].get<std::string>());
    op->set_min_inputs(entry["min_inputs"].get<int>());
    op->set_max_inputs(entry["max_inputs"].get<int>());
    for (const auto& attr : entry["attrs"]) {
      auto* a = op->add_attributes();
      a->set_name(attr["name"].get<std::string>());
      a->set_type(attr["type"].get<std::string>());
      a->set_default_json(attr["default"].dump());
      a->set_required(attr["required"].get<bool>());
      a->set_doc(attr["doc"].get<std::string>());
      if (attr.contains("min")) a->set_min(attr["min"].get<double>());
      if (attr.contains("max")) a->set_max(attr["max"].get<double>());
    }
  }
  for (const auto& t : templateList()) catalog->add_templates(t.name);
  return grpc::Status::OK;
}

grpc::Status NodeService::ValidateJob(grpc::ServerContext* context,
                                      const v1::ValidateJobRequest* request,
                                      v1::ValidateJobResponse* response) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  // The files sent with the job live in a scratch folder for as long as the check takes.
  static std::atomic<uint64_t> calls{0};
  const fs::path folder = fs::path(m_scratchDir) / ("validate-" + std::to_string(++calls));
  fs::create_directories(folder);
  try {
    writeJobFiles(request->files(), folder.string());
    const JobConfig job = JobConfig::fromJson(
        parseJobJson(request->job_json()),
        request->job_folder().empty() ? folder.string()
                                      : checkedJobFolder(request->job_folder(), "job_folder"));
    checkParallelPlacement(job, request->has_placement() ? placementJson(request->placement())
                                                         : nlohmann::json());
    const JobPlan plan = planJob(job, m_datasets.opener());
    // A device the job names must exist here (left out, the worker picks one and says which).
    const DeviceChoice device = chooseTrainingDevice(job, plan.graph);
    response->set_ok(true);
    response->set_model(job.model.name);
    response->set_parameters(Graph::build(job.model, 1).parameterCount());
    response->set_trained_parameters(plan.graph.parameterCount());
    response->set_flops_per_step(trainingStepFlops(plan.graph));
    const int64_t needed = estimateTrainingMemory(plan, job, device);
    const int64_t available =
        availableMemory().bytes / (job.parallel.data() ? job.parallel.ranksPerNode : 1);
    response->set_memory_bytes(needed);
    response->set_memory_available_bytes(available);
    if (available > 0 && needed > available)
      response->set_fitting_batch(largestBatchWithin(job, device, available, m_datasets.opener()));
    response->set_steps_per_epoch(plan.stepsPerEpoch);
    response->set_total_steps(plan.totalSteps);
    const Shape& output = plan.graph.values()[plan.graph.valueIndex(plan.output)].shape;
    for (size_t d = 1; d < output.size(); ++d) response->add_output_shape(output[d]);
  } catch (const std::exception& e) {
    response->set_ok(false);
    auto* problem = response->add_problems();
    problem->set_path(problemPath(e.what()));
    problem->set_message(e.what());
  }
  std::error_code ec;
  fs::remove_all(folder, ec);
  return grpc::Status::OK;
}

grpc::Status NodeService::SubmitJob(grpc::ServerContext* context,
                                    const v1::SubmitJobRequest* request, v1::JobStatus* status) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  // The same submission asked again (its answer was lost): the job it made, not another one.
  // One submission with an id at a time, so two tries of it cannot both start a job.
  const std::string& submissionId = request->submission_id();
  std::unique_lock once(m_submissionMutex, std::defer_lock);
  if (!submissionId.empty()) {
    once.lock();
    if (const auto made = m_jobs.findSubmission(submissionId)) {
      *status = toStatus(*made);
      return grpc::Status::OK;
    }
  }
  std::string id;
  const JobFolder folder = m_jobs.reserve(id);
  std::string name = request->name();
  try {
    writeJobFiles(request->files(), folder.dir);
    const nlohmann::json task = buildTask(*request, m_jobs, folder.dir);
    const std::string jobName = validateJobTask(task, folder.dir, m_datasets);
    if (name.empty()) name = jobName;
    if (name.empty()) name = task["kind"].get<std::string>() + " " + id;
    writeFileWhole(folder.task(), task.dump(2) + "\n", {.durable = true});
    *status = toStatus(m_jobs.enqueue(id, name, task["kind"].get<std::string>(), submissionId));
    return grpc::Status::OK;
  } catch (const std::exception& e) {
    m_jobs.discard(id);
    return invalid(e.what());
  }
}

grpc::Status NodeService::CancelJob(grpc::ServerContext* context,
                                    const v1::CancelJobRequest* request, v1::JobStatus* status) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  const auto record = m_jobs.cancel(request->id(), request->at_once());
  if (!record) return {grpc::StatusCode::NOT_FOUND, "id: no job '" + request->id() + "'"};
  *status = toStatus(*record);
  return grpc::Status::OK;
}

grpc::Status NodeService::GetJob(grpc::ServerContext* context, const v1::GetJobRequest* request,
                                 v1::JobStatus* status) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  return fillStatus(request->id(), status);
}

grpc::Status NodeService::ListJobs(grpc::ServerContext* context, const v1::ListJobsRequest*,
                                   v1::ListJobsResponse* response) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  for (const JobRecord& record : m_jobs.list()) *response->add_jobs() = toStatus(record);
  return grpc::Status::OK;
}

grpc::Status NodeService::WatchJob(grpc::ServerContext* context,
                                   const v1::WatchJobRequest* request,
                                   grpc::ServerWriter<v1::EventBatch>* writer) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  if (request->after_seq() < 0) return invalid("after_seq: must be >= 0");
  if (!m_jobs.find(request->id()))
    return {grpc::StatusCode::NOT_FOUND, "id: no job '" + request->id() + "'"};
  EventLogReader reader(m_jobs.folder(request->id()).events());
  int64_t after = request->after_seq();
  std::vector<EventRecord> events;
  v1::JobState told = v1::JOB_STATE_UNSPECIFIED;  // the state the last batch carried
  while (!context->IsCancelled()) {
    // The state is read before the log: a job seen finished has written its last event, so an
    // empty read after it means the stream is complete.
    const uint64_t seen = m_jobs.changes().count();
    const JobState state = m_jobs.find(request->id())->state;
    events = reader.readNew(after);
    if (events.empty()) {
      if (isFinished(state)) {
        // The stream's last batch carries the job's final state, with no events if they all
        // went out while it was still running.
        if (told != toProto(state)) {
          v1::EventBatch last;
          last.set_state(toProto(state));
          if (!writer->Write(last)) return {grpc::StatusCode::CANCELLED, "the client went away"};
        }
        return grpc::Status::OK;
      }
      m_jobs.changes().waitForChange(seen, kWatchPoll);
      continue;
    }
    for (size_t i = 0; i < events.size();) {
      v1::EventBatch batch;
      batch.set_state(toProto(state));
      size_t bytes = 0;
      for (; i < events.size() && batch.events_size() < int(kMaxEventsPerBatch) &&
             bytes < kMaxBatchBytes;
           ++i) {
        auto* event = batch.add_events();
        event->set_seq(events[i].seq);
        event->set_type(events[i].type);
        event->set_time(events[i].time);
        bytes += events[i].json.size();
        event->set_json(std::move(events[i].json));
      }
      if (!writer->Write(batch)) return {grpc::StatusCode::CANCELLED, "the client went away"};
      told = batch.state();
    }
    after = events.back().seq;
  }
  return {grpc::StatusCode::CANCELLED, "the client went away"};
}

grpc::Status NodeService::ListArtifacts(grpc::ServerContext* context,
                                        const v1::ListArtifactsRequest* request,
                                        v1::ListArtifactsResponse* response) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  if (!m_jobs.find(request->id()))
    return {grpc::StatusCode::NOT_FOUND, "id: no job '" + request->id() + "'"};
  const fs::path out = m_jobs.folder(request->id()).out();
  std::vector<std::pair<std::string, int64_t>> found;
  for (const auto& entry : fs::recursive_directory_iterator(out))
    if (entry.is_regular_file() && entry.path().extension() != ".tmp")
      found.emplace_back(fs::relative(entry.path(), out).string(),
                         static_cast<int64_t>(entry.file_size()));
  std::sort(found.begin(), found.end());
  for (const auto& [name, size] : found) {
    auto* artifact = response->add_artifacts();
    artifact->set_name(name);
    artifact->set_size_bytes(size);
  }
  return grpc::Status::OK;
}

grpc::Status NodeService::DownloadArtifact(grpc::ServerContext* context,
                                           const v1::DownloadArtifactRequest* request,
                                           grpc::ServerWriter<v1::ArtifactChunk>* writer) {
  if (auto denied = m_token.check(*context); !denied.ok()) return denied;
  if (!m_jobs.find(request->id()))
    return {grpc::StatusCode::NOT_FOUND, "id: no job '" + request->id() + "'"};
  const fs::path out = fs::weakly_canonical(m_jobs.folder(request->id()).out());
  const fs::path path = fs::weakly_canonical(out / request->name());
  if (request->name().empty() || !path.string().starts_with(out.string() + "/"))
    return invalid("name: '" + request->name() + "' is not inside the job's artifacts");
  std::ifstream in(path, std::ios::binary);
  if (!in || !fs::is_regular_file(path))
    return {grpc::StatusCode::NOT_FOUND,
            "name: job " + request->id() + " has no artifact '" + request->name() + "'"};
  const int64_t total = static_cast<int64_t>(fs::file_size(path));
  if (request->offset() < 0 || request->offset() > total)
    return invalid("offset: " + std::to_string(request->offset()) + " is outside 0.." +
                   std::to_string(total));
  in.seekg(request->offset());
  std::string buffer(kChunkBytes, '\0');
  for (int64_t offset = request->offset(); offset < total && !context->IsCancelled();) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto n = in.gcount();
    if (n <= 0) break;
    v1::ArtifactChunk chunk;
    chunk.set_offset(offset);
    chunk.set_total_bytes(total);
    chunk.set_data(buffer.data(), static_cast<size_t>(n));
    if (!writer->Write(chunk)) return {grpc::StatusCode::CANCELLED, "the client went away"};
    offset += n;
  }
  return grpc::Status::OK;
}

v1::JobStatus NodeService::toStatus(const JobRecord& record) const {
  v1::JobStatus status;
  status.set_id(record.id);
  status.set_name(record.name);
  status.set_kind(record.kind);
  status.set_state(toProto(record.state));
  status.set_reason(record.reason);
  status.set_submitted_time(record.submittedTime);
  status.set_started_time(record.startedTime);
  status.set_finished_time(record.finishedTime);
  status.set_last_seq(lastEventSeq(m_jobs.folder(record.id).events()));
  status.set_exit_code(record.exitCode);
  status.set_signal(record.signal);
  status.set_submission_id(record.submissionId);
  return status;
}

grpc::Status NodeService::fillStatus(const std::string& id, v1::JobStatus* status) const {
  const auto record = m_jobs.find(id);
  if (!record) return {grpc::StatusCode::NOT_FOUND, "id: no job '" + id + "'"};
  *status = toStatus(*record);
  return grpc::Status::OK;
}

}  // namespace twb
