#include "rpc/node_client.h"

#include <filesystem>

#include "core/error.h"
#include "core/file_writing.h"

namespace twb {

namespace v1 = node::v1;

namespace {
constexpr auto kCallTimeout = std::chrono::seconds(60);

const char* codeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "CANCELLED";
    case grpc::INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case grpc::DEADLINE_EXCEEDED: return "DEADLINE_EXCEEDED";
    case grpc::NOT_FOUND: return "NOT_FOUND";
    case grpc::PERMISSION_DENIED: return "PERMISSION_DENIED";
    case grpc::UNAUTHENTICATED: return "UNAUTHENTICATED";
    case grpc::UNAVAILABLE: return "UNAVAILABLE";
    case grpc::INTERNAL: return "INTERNAL";
    default: return "ERROR";
  }
}
}  // namespace

bool RpcError::retryable() const {
  return m_code == grpc::StatusCode::UNAVAILABLE || m_code == grpc::StatusCode::DEADLINE_EXCEEDED ||
         m_code == grpc::StatusCode::INTERNAL || m_code == grpc::StatusCode::UNKNOWN ||
         m_code == grpc::StatusCode::ABORTED;
}

std::string describeStatus(const grpc::Status& status) {
  return std::string(codeName(status.error_code())) + ": " + status.error_message();
}

NodeClient::NodeClient(const NodeAddress& address, AccessToken token, const CertificatePins& pins,
                       std::chrono::milliseconds keepalive)
    : m_target(address.toString()),
      m_socketPath(address.kind == NodeAddress::Kind::unix_socket ? address.path : ""),
      m_token(std::move(token)) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(64 << 20);
  arguments.SetMaxSendMessageSize(256 << 20);
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIME_MS, static_cast<int>(keepalive.count()));
  arguments.SetInt(GRPC_ARG_KEEPALIVE_TIMEOUT_MS, static_cast<int>(keepalive.count()));
  // A watch of a job that logs nothing for minutes sends no data: keep pinging all the same.
  arguments.SetInt(GRPC_ARG_HTTP2_MAX_PINGS_WITHOUT_DATA, 0);
  // A connection the node does not take up (its daemon hangs) is given up as soon: two
  // periods (gRPC's own default, 20 s, at the default period).
  arguments.SetInt(GRPC_ARG_MIN_RECONNECT_BACKOFF_MS, static_cast<int>(2 * keepalive.count()));
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (address.kind == NodeAddress::Kind::tcp) {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = pins.trusted(address.host, address.port);
    credentials = grpc::SslCredentials(tls);
    arguments.SetSslTargetNameOverride(kNodeCertificateName);
  }
  m_channel = grpc::CreateCustomChannel(address.grpcTarget(), credentials, arguments);
  m_stub = v1::NodeService::NewStub(m_channel);
}

void NodeClient::fail(const grpc::Status& status) const {
  // gRPC's words for a socket file that is not there ("failed to connect to all addresses")
  // name neither the cause nor the cure.
  std::error_code ignored;
  if (status.error_code() == grpc::StatusCode::UNAVAILABLE && !m_socketPath.empty() &&
      !std::filesystem::exists(m_socketPath, ignored))
    throw RpcError(m_target + ": no node service listens here (" + m_socketPath +
                       " does not exist); start one with `twb-engine serve --listen " + m_target +
                       "`",
                   status.error_code());
  throw RpcError(m_target + ": " + describeStatus(status), status.error_code(),
                 status.error_message());
}

void NodeClient::cancelAll() {
  std::lock_guard lock(m_mutex);
  m_cancelled = true;
  for (grpc::ClientContext* context : m_streams) context->TryCancel();
}

void NodeClient::prepare(grpc::ClientContext& context, bool streaming) const {
  m_token.attachTo(context);
  if (!streaming) context.set_deadline(std::chrono::system_clock::now() + kCallTimeout);
}

template <typename Request, typename Response>
Response NodeClient::call(grpc::Status (v1::NodeService::Stub::*method)(grpc::ClientContext*,
                                                                        const Request&, Response*),
                          const Request& request) const {
  grpc::ClientContext context;
  prepare(context);
  Response response;
  const grpc::Status status = (m_stub.get()->*method)(&context, request, &response);
  if (!status.ok()) fail(status);
  return response;
}

v1::NodeInfo NodeClient::info() {
  return call(&v1::NodeService::Stub::GetNodeInfo, v1::GetNodeInfoRequest());
}

v1::OpCatalog NodeClient::opCatalog() {
  return call(&v1::NodeService::Stub::GetOpCatalog, v1::GetOpCatalogRequest());
}

v1::ValidateJobResponse NodeClient::validate(const v1::ValidateJobRequest& request) {
  return call(&v1::NodeService::Stub::ValidateJob, request);
}

v1::JobStatus NodeClient::submit(const v1::SubmitJobRequest& request) {
  return call(&v1::NodeService::Stub::SubmitJob, request);
}

v1::JobStatus NodeClient::cancel(const std::string& id, bool atOnce) {
  v1::CancelJobRequest request;
  request.set_id(id);
  request.set_at_once(atOnce);
  return call(&v1::NodeService::Stub::CancelJob, request);
}

v1::JobStatus NodeClient::job(const std::string& id) {
  v1::GetJobRequest request;
  request.set_id(id);
  return call(&v1::NodeService::Stub::GetJob, request);
}

std::vector<v1::JobStatus> NodeClient::list() {
  const auto response = call(&v1::NodeService::Stub::ListJobs, v1::ListJobsRequest());
  return {response.jobs().begin(), response.jobs().end()};
}

std::vector<v1::Artifact> NodeClient::artifacts(const std::string& id) {
  v1::ListArtifactsRequest request;
  request.set_id(id);
  const auto response = call(&v1::NodeService::Stub::ListArtifacts, request);
  return {response.artifacts().begin(), response.artifacts().end()};
}

bool NodeClient::watch(const std::string& id, int64_t afterSeq,
                       const std::function<bool(const v1::Event&)>& onEvent, v1::JobState* finalState) {
  grpc::ClientContext context;
  prepare(context, true);
  {
    std::lock_guard lock(m_mutex);
    if (m_cancelled) context.TryCancel();
    m_streams.insert(&context);
  }
  struct Unregister {
    NodeClient* client;
    grpc::ClientContext* context;
    ~Unregister() {
      std::lock_guard lock(client->m_mutex);
      client->m_streams.erase(context);
    }
  } unregister{this, &context};
  v1::WatchJobRequest request;
  request.set_id(id);
  request.set_after_seq(afterSeq);
  auto reader = m_stub->WatchJob(&context, request);
  v1::EventBatch batch;
  while (reader->Read(&batch)) {
    for (const auto& event : batch.events())
      if (!onEvent(event)) {
        context.TryCancel();
        reader->Finish();
        return false;
      }
    if (finalState) *finalState = batch.state();
  }
  const grpc::Status status = reader->Finish();
  if (!status.ok()) fail(status);
  return true;
}

int64_t NodeClient::download(const std::string& id, const std::string& artifact,
                             const std::string& path,
                             const std::function<bool(int64_t done, int64_t total)>& onProgress) {
  int64_t bytes = 0;
  writeFileWhole(path, [&](std::ostream& out) {
    grpc::ClientContext context;
    prepare(context, true);
    v1::DownloadArtifactRequest request;
    request.set_id(id);
    request.set_name(artifact);
    auto reader = m_stub->DownloadArtifact(&context, request);
    v1::ArtifactChunk chunk;
    int64_t total = 0;
    while (reader->Read(&chunk)) {
      out.write(chunk.data().data(), static_cast<std::streamsize>(chunk.data().size()));
      bytes += static_cast<int64_t>(chunk.data().size());
      total = chunk.total_bytes();
      if (onProgress && !onProgress(bytes, total)) {
        context.TryCancel();
        reader->Finish();
        throw Error(path + ": download cancelled");
      }
    }
    if (const grpc::Status status = reader->Finish(); !status.ok()) fail(status);
    if (bytes != total)
      throw Error(path + ": download incomplete (" + std::to_string(bytes) + " of " +
                  std::to_string(total) + " bytes)");
  });
  return bytes;
}

}  // namespace twb
