// The node service's request handlers, called as gRPC would call them: the first byte picks the
// method, the rest is its request message in protobuf's wire form. The node has one job (its
// worker is /bin/false, so nothing trains) for the handlers that look jobs up.
#include <unistd.h>

#include <filesystem>
#include <memory>

#include "fuzz_input.h"
#include "rpc/job_manager.h"
#include "rpc/node_service.h"

namespace {
namespace v1 = twb::node::v1;

struct Node {
  std::string dataDir = "/dev/shm/fuzz-node-" + std::to_string(::getpid());
  std::unique_ptr<twb::JobManager> jobs;
  std::unique_ptr<twb::NodeService> service;

  Node() {
    std::filesystem::remove_all(dataDir);
    jobs = std::make_unique<twb::JobManager>(twb::JobManager::Options{dataDir, "/bin/false", 1});
    service = std::make_unique<twb::NodeService>(*jobs, twb::AccessToken(), dataDir + "/scratch",
                                                 dataDir);
    grpc::ServerContext context;
    v1::SubmitJobRequest request;
    request.mutable_train()->set_job_json(
        R"({"model": {"template": "mlp"}, "dataset": "synthetic:1x28x28:10", "max_steps": 1})");
    v1::JobStatus status;
    service->SubmitJob(&context, &request, &status);
  }
};

template <typename Request, typename Response, typename Method>
void call(twb::NodeService& service, Method method, const uint8_t* data, size_t size) {
  Request request;
  if (!request.ParseFromArray(data, static_cast<int>(size))) return;
  grpc::ServerContext context;
  Response response;
  (service.*method)(&context, &request, &response);
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static Node node;
  if (size == 0) return 0;
  twb::NodeService& s = *node.service;
  const uint8_t* message = data + 1;
  const size_t length = size - 1;
  switch (data[0] % 5) {
    case 0:
      call<v1::ValidateJobRequest, v1::ValidateJobResponse>(s, &twb::NodeService::ValidateJob,
                                                            message, length);
      break;
    case 1:
      call<v1::GetJobRequest, v1::JobStatus>(s, &twb::NodeService::GetJob, message, length);
      break;
    case 2:
      call<v1::CancelJobRequest, v1::JobStatus>(s, &twb::NodeService::CancelJob, message, length);
      break;
    case 3:
      call<v1::ListArtifactsRequest, v1::ListArtifactsResponse>(s, &twb::NodeService::ListArtifacts,
                                                                message, length);
      break;
    default:
      call<v1::ListJobsRequest, v1::ListJobsResponse>(s, &twb::NodeService::ListJobs, message,
                                                      length);
  }
  return 0;
}
