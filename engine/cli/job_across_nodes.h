#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rpc/node_client.h"

namespace twb {

// A data-parallel job across nodes from the command line (`twb-engine client --node NAME=ADDRESS
// ... submit JOB`): what the workbench's dispatcher does, without Qt.
struct NodeTarget {
  std::string name;  // as the job's parallel.nodes names it
  NodeAddress address;
};

// The job's parallel.nodes, in its order, each with its address from `nodeOptions`
// ("NAME=ADDRESS"); throws naming a node that has none.
std::vector<NodeTarget> targetsOf(const nlohmann::json& job,
                                  const std::vector<std::string>& nodeOptions);

// A job file's folder, absolute: where `twb-engine train FILE` resolves its relative paths.
std::string folderOfJobFile(const std::string& jobFile);

// The folder where `node` resolves a job's relative paths: `jobFolder` on a node of this machine
// (a unix socket); empty on another machine's node, whose files are its own.
std::string jobFolderOn(const NodeAddress& node, const std::string& jobFolder);

class JobAcrossNodes {
 public:
  // `rendezvousHost`: where the other nodes reach the first; empty: its tcp address's host.
  // `jobFolder`: where the nodes of this machine (unix sockets) resolve the job's relative paths.
  JobAcrossNodes(std::string jobJson, std::vector<NodeTarget> nodes, NodeAccess access,
                 std::string rendezvousHost, std::string jobFolder);

  // Every node, before any rank starts: reachable, the first node's engine build, data parallel,
  // the job valid there with its share. One line per problem, "node NAME (ADDRESS): ...".
  std::vector<std::string> check();
  // The first node's share (continuing from the checkpoint of its job `resumeJob` when given;
  // rank 0 sends it to the other nodes' ranks); once it says where its rendezvous listens, the
  // others'. Returns each node's job id. A share refused cancels the ones already submitted.
  std::vector<std::string> submit(const std::string& name, const std::string& resumeJob);
  // Follows the first node's share with `watchFirst` (its exit code) and the others' to their
  // ends; when one fails, the others are cancelled. Returns 0 when every share succeeded.
  int follow(const std::vector<std::string>& ids,
             const std::function<int(NodeClient&, const std::string&)>& watchFirst);

 private:
  NodeClient client(size_t node) const;
  // `atOnce`: the job cannot go on (see CancelJobRequest).
  void cancel(const std::vector<std::string>& ids, bool atOnce) const;

  std::string m_job, m_rendezvousHost, m_jobFolder, m_secret;
  std::vector<NodeTarget> m_nodes;
  NodeAccess m_access;
  int m_ranksPerNode = 1;
};

}  // namespace twb
