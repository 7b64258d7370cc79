#pragma once

#include <mutex>
#include <string>

#include "data/dataset_facts.h"
#include "rpc/access_token.h"
#include "rpc/job_manager.h"
#include "rpc/precision_peaks.h"
#include "rpc/proto/node_service.grpc.pb.h"

namespace twb {

// twb.node.v1.NodeService (docs/protocol.md) over a JobManager. Every call checks the access
// token first; every request is validated, and a bad one gets INVALID_ARGUMENT with the path of
// the field at fault.
class NodeService final : public node::v1::NodeService::Service {
 public:
  // `dataDir`: the node's data folder (its matmul peaks are cached there).
  NodeService(JobManager& jobs, AccessToken token, std::string scratchDir, const std::string& dataDir);

  grpc::Status GetNodeInfo(grpc::ServerContext*, const node::v1::GetNodeInfoRequest*,
                           node::v1::NodeInfo*) override;
  grpc::Status GetOpCatalog(grpc::ServerContext*, const node::v1::GetOpCatalogRequest*,
                            node::v1::OpCatalog*) override;
  grpc::Status ValidateJob(grpc::ServerContext*, const node::v1::ValidateJobRequest*,
                           node::v1::ValidateJobResponse*) override;
  grpc::Status SubmitJob(grpc::ServerContext*, const node::v1::SubmitJobRequest*,
                         node::v1::JobStatus*) override;
  grpc::Status CancelJob(grpc::ServerContext*, const node::v1::CancelJobRequest*,
                         node::v1::JobStatus*) override;
  grpc::Status GetJob(grpc::ServerContext*, const node::v1::GetJobRequest*,
                      node::v1::JobStatus*) override;
  grpc::Status ListJobs(grpc::ServerContext*, const node::v1::ListJobsRequest*,
                        node::v1::ListJobsResponse*) override;
  grpc::Status WatchJob(grpc::ServerContext*, const node::v1::WatchJobRequest*,
                        grpc::ServerWriter<node::v1::EventBatch>*) override;
  grpc::Status ListArtifacts(grpc::ServerContext*, const node::v1::ListArtifactsRequest*,
                             node::v1::ListArtifactsResponse*) override;
  grpc::Status DownloadArtifact(grpc::ServerContext*, const node::v1::DownloadArtifactRequest*,
                                grpc::ServerWriter<node::v1::ArtifactChunk>*) override;

 private:
  node::v1::JobStatus toStatus(const JobRecord& record) const;
  grpc::Status fillStatus(const std::string& id, node::v1::JobStatus* status) const;

  JobManager& m_jobs;
  AccessToken m_token;
  std::string m_scratchDir;  // ValidateJob writes the files sent with a job here
  DatasetFactsCache
      m_datasets;  // what checks read of the datasets, while their files are unchanged
  PrecisionPeaks m_peaks;
  std::mutex m_submissionMutex;  // held by a SubmitJob that carries a submission id
};

// The field path that starts an engine error message: "batch: must be > 0" -> "batch",
// "model: node 'fc2' (Add): input 1 has ..." -> "model: node 'fc2' (Add)".
std::string problemPath(const std::string& message);

}  // namespace twb
