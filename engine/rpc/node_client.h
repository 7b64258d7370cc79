#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#include "core/error.h"
#include "rpc/access_token.h"
#include "rpc/certificate_pins.h"
#include "rpc/listen_address.h"
#include "rpc/proto/node_service.grpc.pb.h"

namespace twb {

// A call the node answered with an error, with its gRPC code (UNAVAILABLE: try again;
// INVALID_ARGUMENT, NOT_FOUND, UNAUTHENTICATED: it will not get better).
class RpcError : public Error {
 public:
  RpcError(const std::string& message, grpc::StatusCode code, std::string detail = "")
      : Error(message), m_code(code), m_detail(std::move(detail)) {}
  grpc::StatusCode code() const { return m_code; }
  // The node's own message, without the address and code: "job: batch: must be > 0, got 0".
  const std::string& detail() const { return m_detail; }
  bool retryable() const;

 private:
  grpc::StatusCode m_code;
  std::string m_detail;
};

// A blocking client of one node, for the CLI, the workbench's remote/ and tests. Failed calls
// throw twb::Error with the gRPC code and the node's message: "UNAUTHENTICATED: wrong token".
// A TCP node is reached over TLS, trusting only the certificate `pins` holds for it (pinned on
// first use when `pins` accepts it); the constructor throws twb::Error when it cannot be trusted.
class NodeClient {
 public:
  // A streaming call (watch, download) has no deadline: on a connection silent for
  // `keepalive`, the client pings the node, and drops the connection when the ping is not
  // answered within `keepalive` either. A node whose link was cut or whose daemon hangs then
  // ends the call with UNAVAILABLE instead of leaving it waiting for ever.
  static constexpr std::chrono::milliseconds kDefaultKeepalive{10000};

  NodeClient(const NodeAddress& address, AccessToken token,
             const CertificatePins& pins = CertificatePins(),
             std::chrono::milliseconds keepalive = kDefaultKeepalive);

  const std::string& target() const { return m_target; }  // "unix:/run/n.sock", "tcp:host:port"

  node::v1::NodeInfo info();
  node::v1::OpCatalog opCatalog();
  node::v1::ValidateJobResponse validate(const node::v1::ValidateJobRequest& request);
  node::v1::JobStatus submit(const node::v1::SubmitJobRequest& request);
  node::v1::JobStatus cancel(const std::string& id, bool atOnce = false);  // see CancelJobRequest
  node::v1::JobStatus job(const std::string& id);
  std::vector<node::v1::JobStatus> list();
  std::vector<node::v1::Artifact> artifacts(const std::string& id);

  // Streams the job's events after `afterSeq` to `onEvent` until the job has finished (returns
  // true; `finalState`, when given, is the state the stream's last batch carried: the job's
  // final one) or `onEvent` returns false (returns false).
  bool watch(const std::string& id, int64_t afterSeq,
             const std::function<bool(const node::v1::Event&)>& onEvent,
             node::v1::JobState* finalState = nullptr);
  // Ends every call in progress at once (from another thread): they throw RpcError CANCELLED.
  void cancelAll();

  // Writes the artifact to `path` (through PATH.tmp, renamed when complete); returns its bytes.
  // `onProgress` (bytes so far, the artifact's bytes) is called after each chunk; returning
  // false cancels the download, which then throws and leaves nothing at `path`.
  int64_t download(const std::string& id, const std::string& artifact, const std::string& path,
                   const std::function<bool(int64_t done, int64_t total)>& onProgress = {});

 private:
  void prepare(grpc::ClientContext& context, bool streaming = false) const;
  [[noreturn]] void fail(const grpc::Status& status) const;
  template <typename Request, typename Response>
  Response call(grpc::Status (node::v1::NodeService::Stub::*method)(grpc::ClientContext*,
                                                                    const Request&, Response*),
                const Request& request) const;

  std::string m_target;
  std::string m_socketPath;  // a unix socket's file; empty over TCP
  AccessToken m_token;
  std::shared_ptr<grpc::Channel> m_channel;
  std::unique_ptr<node::v1::NodeService::Stub> m_stub;
  std::mutex m_mutex;
  std::set<grpc::ClientContext*> m_streams;  // in progress, for cancelAll()
  bool m_cancelled = false;
};

// What a client of several nodes presents (the token) and trusts (the pinned certificates).
struct NodeAccess {
  AccessToken token;
  CertificatePins pins;
  std::chrono::milliseconds keepalive = NodeClient::kDefaultKeepalive;
};

// "NOT_FOUND: id: no job 'j9'" from a failed call.
std::string describeStatus(const grpc::Status& status);

}  // namespace twb
