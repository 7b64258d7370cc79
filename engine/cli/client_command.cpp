#include <google/protobuf/util/json_util.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/commands.h"
#include "cli/interrupt.h"
#include "cli/job_across_nodes.h"
#include "cli/option_checks.h"
#include "cli/progress_bar.h"
#include "cli/sweep_command.h"
#include "cli/sweep_runner.h"
#include "core/error.h"
#include "core/memory_need.h"
#include "quant/calibrator.h"
#include "rpc/node_client.h"
#include "train/job_config.h"

namespace twb {

namespace v1 = node::v1;

namespace {
struct ClientArgs {
  std::vector<std::string> nodes;
  std::string tokenFile, rendezvousHost, knownNodes;
  bool json = false, watch = false, trustNewNode = false;
  std::string job, id, artifact, out, name, calib, resume;
  std::vector<std::string> files;
  int64_t after = 0, samples = 0;
  std::string observer, scheme;
  std::optional<double> maxDrop;
  double keepaliveSeconds = NodeClient::kDefaultKeepalive.count() / 1000.0;
};
ClientArgs args;

// A TCP node seen for the first time: trusted with --trust-new-node, asked on a terminal, and
// refused otherwise (as ssh does in batch mode).
bool acceptNewNode(const std::string& hostPort, const std::string& fingerprint) {
  if (args.trustNewNode) {
    std::fprintf(stderr, "twb-engine: pinned the certificate of tcp:%s (%s)\n", hostPort.c_str(),
                 fingerprint.c_str());
    return true;
  }
  if (!::isatty(STDIN_FILENO)) {
    std::fprintf(stderr,
                 "twb-engine: tcp:%s shows the certificate %s; check it against the one its "
                 "`twb-engine serve` printed, then connect with --trust-new-node to pin it\n",
                 hostPort.c_str(), fingerprint.c_str());
    return false;
  }
  std::fprintf(stderr,
               "The node tcp:%s is not known. Its certificate is %s (its `twb-engine serve` "
               "printed its own).\nTrust it and connect (yes/no)? ",
               hostPort.c_str(), fingerprint.c_str());
  char answer[16] = {};
  return std::fgets(answer, sizeof answer, stdin) && std::string(answer).starts_with("yes");
}

NodeAccess access() {
  return {args.tokenFile.empty() ? AccessToken() : AccessToken::fromFile(args.tokenFile),
          CertificatePins(args.knownNodes, acceptNewNode),
          std::chrono::milliseconds(std::llround(args.keepaliveSeconds * 1000))};
}

NodeAddress theNode() {
  if (args.nodes.size() != 1)
    throw Error("--node: this command talks to one node; " + std::to_string(args.nodes.size()) +
                " were given (several are for a job across nodes: submit and validate)");
  return NodeAddress::parse(args.nodes.front());
}

NodeClient connect() {
  const NodeAccess node = access();
  return NodeClient(theNode(), node.token, node.pins, node.keepalive);
}

std::string readText(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot read");
  return {std::istreambuf_iterator<char>(in), {}};
}

template <typename Request>
void addFiles(Request& request) {
  for (const auto& path : args.files) {
    auto* file = request.add_files();
    file->set_name(std::filesystem::path(path).filename().string());
    file->set_content(readText(path));
  }
}

const char* stateName(v1::JobState state) {
  static const char* names[] = {"unknown", "queued", "running", "succeeded",
                                "failed",  "cancelled", "lost"};
  return names[state >= 0 && state <= v1::LOST ? state : 0];
}

void printStatus(const v1::JobStatus& job) {
  std::printf("%-8s %-10s %-9s %-24s seq %-6lld %s\n", job.id().c_str(), stateName(job.state()),
              job.kind().c_str(), job.name().c_str(), static_cast<long long>(job.last_seq()),
              job.reason().c_str());
}

// Follows a job to its end: events as JSON Lines with --json, otherwise a progress bar. Returns
// the exit code: 0 when the job succeeded.
int watchJob(NodeClient& client, const std::string& id, int64_t after) {
  ProgressBar progress(isatty(STDERR_FILENO));
  StageProgress stages(isatty(STDERR_FILENO));
  nlohmann::json finalState;
  int64_t seen = after;
  const auto onEvent = [&](const v1::Event& event) {
    seen = event.seq();
    if (args.json) {
      std::printf("%s\n", event.json().c_str());
      std::fflush(stdout);
    }
    const auto parsed = nlohmann::json::parse(event.json());
    if (event.type() == "state") finalState = parsed;
    if (args.json) return true;
    if (event.type() == "progress")
      stages.update(parsed["stage"].get<std::string>(), parsed["fraction"].get<double>());
    else
      progress.onEvent(parsed);
    return true;
  };
  try {
    client.watch(id, after, onEvent);
  } catch (const RpcError& e) {
    if (e.code() != grpc::StatusCode::UNAVAILABLE) throw;
    // The node stopped answering (its link, its daemon): the job may well go on there.
    throw Error(std::string(e.what()) +
                "\nthe job may still run there: `twb-engine client --node " + client.target() +
                " watch " + id + " --after " + std::to_string(seen) + "` follows it on from here");
  }
  progress.finish();
  stages.finish();
  const std::string state = finalState.value("state", "unknown");
  if (!args.json) {
    std::printf("job %s %s", id.c_str(), state.c_str());
    if (finalState.contains("reason")) std::printf(": %s", finalState["reason"].get<std::string>().c_str());
    if (finalState.contains("test_accuracy"))
      std::printf(" (test accuracy %.4f)", finalState["test_accuracy"].get<double>());
    std::printf("\n");
  }
  return state == "succeeded" ? kExitOk : kExitError;
}

// A job whose parallel.nodes lists two or more nodes runs across them (docs/data-parallel.md).
bool acrossNodes(const nlohmann::json& job) {
  return job.contains("parallel") && job["parallel"].is_object() &&
         job["parallel"].contains("nodes") && job["parallel"]["nodes"].is_array() &&
         job["parallel"]["nodes"].size() > 1;
}

// Where a node of this machine resolves the job's relative paths: beside the job file, as
// `twb-engine train JOB` does, unless --file sends the job's files into its folder on the node.
std::string jobFolder() { return args.files.empty() ? folderOfJobFile(args.job) : ""; }

JobAcrossNodes jobAcrossNodes(const std::string& text, const nlohmann::json& job) {
  if (!args.files.empty()) throw Error("--file: not with a job across nodes");
  return JobAcrossNodes(text, targetsOf(job, args.nodes), access(), args.rendezvousHost,
                        jobFolder());
}

// Problems of every node, one per line; true when there were none.
bool reportProblems(const std::vector<std::string>& problems) {
  for (const auto& problem : problems) std::fprintf(stderr, "%s: %s\n", args.job.c_str(), problem.c_str());
  return problems.empty();
}

int submitAcrossNodes(const std::string& text, const nlohmann::json& job) {
  JobAcrossNodes run = jobAcrossNodes(text, job);
  if (!reportProblems(run.check())) return kExitError;
  const std::vector<std::string> ids = run.submit(args.name, args.resume);
  for (size_t node = 0; node < ids.size(); ++node)
    std::printf("node %s: job %s\n", job["parallel"]["nodes"][node].get<std::string>().c_str(),
                ids[node].c_str());
  if (!args.watch) return kExitOk;
  return run.follow(ids, [](NodeClient& client, const std::string& id) { return watchJob(client, id, 0); });
}

int submit(v1::SubmitJobRequest& request) {
  NodeClient client = connect();
  request.set_name(args.name);
  addFiles(request);
  const v1::JobStatus job = client.submit(request);
  if (!args.watch || !args.json) printStatus(job);
  return args.watch ? watchJob(client, job.id(), 0) : kExitOk;
}

// quantize and export: the node names a refused field of the request (docs/protocol.md), which
// is said here as the option that set it.
int submitNamingOptions(v1::SubmitJobRequest& request) {
  static const std::pair<std::string, std::string> kOptionOfField[] = {
      {"quantize.calibration", "--calib"},     {"quantize.samples", "--samples"},
      {"quantize.observer", "--observer"},     {"quantize.scheme", "--scheme"},
      {"quantize.max_drop", "--max-drop"},     {"quantize.model.artifact", "--artifact"},
      {"export.model.artifact", "--artifact"}, {"quantize.model.job", "JOB_ID"},
      {"export.model.job", "JOB_ID"}};
  try {
    return submit(request);
  } catch (const RpcError& e) {
    if (e.code() != grpc::StatusCode::INVALID_ARGUMENT) throw;
    for (const auto& [field, option] : kOptionOfField)
      if (e.detail().starts_with(field + ": "))
        throw Error(option + e.detail().substr(field.size()) + " (refused by " +
                    args.nodes.front() + ")");
    throw;
  }
}

void addSubmitOptions(CLI::App* cmd) {
  cmd->add_flag("--watch", args.watch, "Follow the job to its end");
  cmd->add_flag("--json", args.json, "With --watch: print the events as JSON Lines");
  cmd->add_option("--name", args.name, "Name shown in job lists");
  cmd->add_option("--file", args.files, "Send a file with the job (into its folder)");
}

void addSourceOptions(CLI::App* cmd) {
  cmd->add_option("JOB_ID", args.id, "The job whose artifact to use")->required();
  cmd->add_option("--artifact", args.artifact, "Its artifact (default model.twbm)");
  addSubmitOptions(cmd);
}
}  // namespace

void addClientCommand(CLI::App& app, int& exitCode) {
  auto* client = app.add_subcommand("client", "Talk to a node service (twb-engine serve)");
  client->add_option("--node", args.nodes,
                     "unix:PATH or tcp:HOST:PORT; for a job across nodes, once per node of its "
                     "parallel.nodes: NAME=ADDRESS")
      ->required();
  client->add_option("--token-file", args.tokenFile, "The node's token (every node's)");
  client->add_option("--known-nodes", args.knownNodes,
                     "TCP nodes' pinned TLS certificates (default ~/.config/twb/known_nodes)");
  client->add_flag("--trust-new-node", args.trustNewNode,
                   "Pin the certificate of a TCP node seen for the first time without asking");
  client
      ->add_option("--keepalive", args.keepaliveSeconds,
                   "Seconds of silence on a watch before the node is pinged; one unanswered "
                   "as long ends the watch (default 10)")
      ->check(numberWithin(0.5, 3600));
  client->add_option("--rendezvous-host", args.rendezvousHost,
                     "A job across nodes: where the others reach the first node (default: the "
                     "host of its tcp address)");
  client->require_subcommand(1);

  auto* info = client->add_subcommand("info", "The node's machine and engine");
  info->add_flag("--json", args.json, "Print the NodeInfo message as JSON");
  info->callback([&exitCode] {
    const v1::NodeInfo node = connect().info();
    if (args.json) {
      std::string text;
      google::protobuf::util::MessageToJsonString(node, &text);
      std::printf("%s\n", text.c_str());
      exitCode = kExitOk;
      return;
    }
    std::printf("%s: %s, %s (%s)\n", node.host().c_str(), node.os().c_str(),
                node.cpu_model().c_str(), node.architecture().c_str());
    std::string isa;
    for (const auto& flag : node.isa_flags()) isa += " " + flag;
    std::printf("cores %d, memory %.1f GiB, ISA%s\n", node.logical_cores(),
                node.memory_bytes() / double(1 << 30), isa.c_str());
    for (const auto& gpu : node.gpus())
      std::printf("GPU: %s, %.1f GiB\n", gpu.name().c_str(), gpu.memory_bytes() / double(1 << 30));
    std::printf("engine %s (%s), %s, max jobs %d\n", node.engine_version().c_str(),
                node.build_hash().c_str(), node.protocol().c_str(), node.max_jobs());
    exitCode = kExitOk;
  });

  auto* validate = client->add_subcommand("validate", "Dry-run a job file on the node");
  validate->add_option("JOB", args.job, "Job file (.json)")->required();
  validate->add_option("--file", args.files, "Send a file with the job");
  validate->callback([&exitCode] {
    const std::string text = readText(args.job);
    if (const auto job = parseJsonText(text, args.job); acrossNodes(job)) {
      const bool ok = reportProblems(jobAcrossNodes(text, job).check());
      if (ok) std::printf("%s: ok on every node\n", args.job.c_str());
      exitCode = ok ? kExitOk : kExitError;
      return;
    }
    v1::ValidateJobRequest request;
    request.set_job_json(text);
    request.set_job_folder(jobFolderOn(theNode(), jobFolder()));
    addFiles(request);
    const auto result = connect().validate(request);
    for (const auto& problem : result.problems())
      std::printf("%s: %s\n", args.job.c_str(), problem.message().c_str());
    if (result.ok())
      std::printf(
          "%s: ok; model %s, %lld parameters, %.3g GFLOP per step, ~%s of %s available "
          "a rank, %lld steps\n",
          args.job.c_str(), result.model().c_str(), static_cast<long long>(result.parameters()),
          result.flops_per_step() / 1e9, memorySize(double(result.memory_bytes())).c_str(),
          memorySize(double(result.memory_available_bytes())).c_str(),
          static_cast<long long>(result.total_steps()));
    if (result.ok() && result.memory_bytes() > result.memory_available_bytes() &&
        result.memory_available_bytes() > 0) {
      const std::string fitting =
          result.fitting_batch() > 0
              ? "a batch of " + std::to_string(result.fitting_batch()) + " fits"
              : std::string("even a batch of 1 does not fit");
      std::printf(
          "%s: warning: training needs about %s, more than the node has for each rank "
          "(%s): the run would likely be refused when it starts; %s\n",
          args.job.c_str(), memorySize(double(result.memory_bytes())).c_str(),
          memorySize(double(result.memory_available_bytes())).c_str(), fitting.c_str());
    }
    exitCode = result.ok() ? kExitOk : kExitError;
  });

  auto* submitCmd = client->add_subcommand("submit", "Queue a training job");
  submitCmd->add_option("JOB", args.job, "Job file (.json)")->required();
  submitCmd->add_option("--resume", args.resume, "Continue from the latest checkpoint of this earlier job (ID)");
  addSubmitOptions(submitCmd);
  submitCmd->callback([&exitCode] {
    const std::string text = readText(args.job);
    if (const auto job = parseJsonText(text, args.job); acrossNodes(job)) {
      exitCode = submitAcrossNodes(text, job);
      return;
    }
    v1::SubmitJobRequest request;
    request.mutable_train()->set_job_json(text);
    request.mutable_train()->set_job_folder(jobFolderOn(theNode(), jobFolder()));
    request.mutable_train()->set_resume_job(args.resume);
    try {
      exitCode = submit(request);
    } catch (const RpcError& e) {
      // A refusal of what the job file says names the file, as validate's problems do; the
      // node answers one with the field's path after "job: " (docs/protocol.md).
      const std::string field = "job: ";
      if (e.code() != grpc::StatusCode::INVALID_ARGUMENT || !e.detail().starts_with(field)) throw;
      throw Error(args.job + ": " + e.detail().substr(field.size()) + " (refused by " +
                  args.nodes.front() + ")");
    }
  });

  auto* sweep = client->add_subcommand(
      "sweep", "Run a job file's sweep: its trials on the nodes (--node once per node, "
               "NAME=ADDRESS or ADDRESS), then every trial's results, the best first");
  sweep->add_option("JOB", args.job, "A job file with a \"sweep\" block (docs/sweeps.md)")->required();
  sweep->add_option("--csv", args.out, "Also write the trials' values and results as CSV");
  sweep->callback([&exitCode] {
    exitCode = runSweepCommand(args.job, sweepTargets(args.nodes), access(), args.out);
  });

  auto* quantize = client->add_subcommand("quantize", "Queue int8 quantization of a job's model");
  addSourceOptions(quantize);
  quantize->add_option("--calib", args.calib,
                       "Calibration dataset (default: the data the job trained on)");
  quantize->add_option("--samples", args.samples, "Calibration samples (default 512)")
      ->check(countAtLeast(1));
  quantize->add_option("--observer", args.observer, "minmax, percentile or entropy")
      ->check(CLI::IsMember(kObserverNames));
  quantize->add_option("--scheme", args.scheme, "per-channel or local")
      ->check(CLI::IsMember(kSchemeNames));
  quantize->add_option("--max-drop", args.maxDrop, "Largest accuracy drop allowed, in points")
      ->check(numberWithin(0, 100));
  quantize->callback([&exitCode] {
    v1::SubmitJobRequest request;
    auto* q = request.mutable_quantize();
    q->mutable_model()->set_job(args.id);
    q->mutable_model()->set_artifact(args.artifact);
    q->set_calibration(args.calib);
    q->set_samples(args.samples);
    q->set_observer(args.observer);
    q->set_scheme(args.scheme);
    if (args.maxDrop) q->set_max_drop(*args.maxDrop);
    exitCode = submitNamingOptions(request);
  });

  auto* exportCmd = client->add_subcommand("export", "Queue an ONNX export of a job's model");
  addSourceOptions(exportCmd);
  exportCmd->callback([&exitCode] {
    v1::SubmitJobRequest request;
    request.mutable_export_()->mutable_model()->set_job(args.id);
    request.mutable_export_()->mutable_model()->set_artifact(args.artifact);
    exitCode = submitNamingOptions(request);
  });

  auto* watch = client->add_subcommand("watch", "Follow a job's events to its end");
  watch->add_option("ID", args.id, "Job id")->required();
  watch->add_option("--after", args.after, "Only events with a higher sequence number")
      ->check(countAtLeast(0));
  watch->add_flag("--json", args.json, "Print the events as JSON Lines");
  watch->callback([&exitCode] {
    NodeClient client = connect();
    exitCode = watchJob(client, args.id, args.after);
  });

  auto* cancel = client->add_subcommand("cancel", "Cancel a queued or running job");
  cancel->add_option("ID", args.id, "Job id")->required();
  cancel->callback([&exitCode] {
    const v1::JobStatus job = connect().cancel(args.id);
    const char* id = job.id().c_str();
    if (job.state() == v1::RUNNING)  // the worker checkpoints at its next step, then ends
      std::printf(
          "job %s: stopping at its next step, with a checkpoint (client watch %s follows "
          "it)\n",
          id, id);
    else if (job.state() == v1::CANCELLED)
      std::printf("job %s: %s\n", id, job.reason().empty() ? "cancelled" : job.reason().c_str());
    else
      std::printf("job %s had already ended (%s): nothing to cancel\n", id, stateName(job.state()));
    exitCode = kExitOk;
  });

  auto* list = client->add_subcommand("list", "The node's jobs");
  list->callback([&exitCode] {
    for (const auto& job : connect().list()) printStatus(job);
    exitCode = kExitOk;
  });

  auto* artifacts = client->add_subcommand("artifacts", "A job's artifacts");
  artifacts->add_option("ID", args.id, "Job id")->required();
  artifacts->callback([&exitCode] {
    for (const auto& a : connect().artifacts(args.id))
      std::printf("%12lld  %s\n", static_cast<long long>(a.size_bytes()), a.name().c_str());
    exitCode = kExitOk;
  });

  auto* download = client->add_subcommand("download", "Download one artifact of a job");
  download->add_option("ID", args.id, "Job id")->required();
  download->add_option("ARTIFACT", args.artifact, "Artifact name (see artifacts)")->required();
  download->add_option("-o,--out", args.out, "File to write (default: the artifact's file name)");
  download->callback([&exitCode] {
    const std::string out =
        args.out.empty() ? std::filesystem::path(args.artifact).filename().string() : args.out;
    // A name the user did not give does not replace a file of theirs.
    if (args.out.empty() && std::filesystem::exists(out))
      throw Error(out + ": already exists here; name the file to write with --out (--out " + out +
                  " replaces it)");
    const std::atomic<bool>* stop = installInterruptHandler();
    StageProgress progress(isatty(STDERR_FILENO), false);  // a bar; its line says the rest
    const int64_t bytes =
        connect().download(args.id, args.artifact, out, [&](int64_t done, int64_t total) {
          progress.update("downloading " + args.artifact,
                          total > 0 ? static_cast<double>(done) / static_cast<double>(total) : 1);
          return !stop->load();
        });
    progress.finish();
    std::printf("%s %s -> %s (%lld bytes)\n", args.id.c_str(), args.artifact.c_str(), out.c_str(),
                static_cast<long long>(bytes));
    exitCode = kExitOk;
  });
}

}  // namespace twb
