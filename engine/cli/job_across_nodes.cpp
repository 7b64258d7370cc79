#include "cli/job_across_nodes.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <thread>

#include "core/error.h"
#include "dist/rendezvous.h"

namespace twb {

namespace v1 = node::v1;

namespace {
std::string where(const NodeTarget& node) {
  return "node " + node.name + " (" + node.address.toString() + ")";
}
}  // namespace

std::vector<NodeTarget> targetsOf(const nlohmann::json& job,
                                  const std::vector<std::string>& nodeOptions) {
  std::vector<NodeTarget> targets;
  for (const auto& name : job.at("parallel").at("nodes")) {
    const auto given = std::find_if(
        nodeOptions.begin(), nodeOptions.end(),
        [&](const std::string& o) { return o.starts_with(name.get<std::string>() + "="); });
    if (given == nodeOptions.end())
      throw Error("parallel.nodes: no --node " + name.get<std::string>() +
                  "=ADDRESS says where node '" + name.get<std::string>() + "' is");
    targets.push_back(
        {name, NodeAddress::parse(given->substr(name.get<std::string>().size() + 1))});
  }
  return targets;
}

std::string folderOfJobFile(const std::string& jobFile) {
  return std::filesystem::absolute(jobFile).parent_path().lexically_normal().string();
}

std::string jobFolderOn(const NodeAddress& node, const std::string& jobFolder) {
  return node.kind == NodeAddress::Kind::unix_socket ? jobFolder : "";
}

JobAcrossNodes::JobAcrossNodes(std::string jobJson, std::vector<NodeTarget> nodes,
                               NodeAccess access, std::string rendezvousHost, std::string jobFolder)
    : m_job(std::move(jobJson)),
      m_rendezvousHost(std::move(rendezvousHost)),
      m_jobFolder(std::move(jobFolder)),
      m_secret(makeRendezvousSecret()),
      m_nodes(std::move(nodes)),
      m_access(std::move(access)) {
  m_ranksPerNode = nlohmann::json::parse(m_job)["parallel"].value("ranks_per_node", 1);
  if (m_rendezvousHost.empty()) {
    if (m_nodes.front().address.kind != NodeAddress::Kind::tcp)
      throw Error("--rendezvous-host: required when the first node (" + m_nodes.front().name +
                  ") is reached through a unix socket: say where the other nodes reach it");
    m_rendezvousHost = m_nodes.front().address.host;
  }
}

NodeClient JobAcrossNodes::client(size_t node) const {
  return NodeClient(m_nodes[node].address, m_access.token, m_access.pins, m_access.keepalive);
}

std::vector<std::string> JobAcrossNodes::check() {
  std::vector<std::string> problems;
  std::string firstBuild;
  for (size_t node = 0; node < m_nodes.size(); ++node) {
    try {
      NodeClient c = client(node);
      const v1::NodeInfo info = c.info();
      const std::string build = info.engine_version() + " " + info.build_hash();
      if (node == 0) firstBuild = build;
      if (build != firstBuild)
        problems.push_back(where(m_nodes[node]) + ": runs engine " + build + ", but " +
                           m_nodes.front().name + " runs " + firstBuild +
                           ": every node of a job needs the same engine");
      const auto& strategies = info.parallel_strategies();
      if (std::find(strategies.begin(), strategies.end(), "data") == strategies.end())
        problems.push_back(where(m_nodes[node]) + ": its engine cannot run data parallel");
      v1::ValidateJobRequest request;
      request.set_job_json(m_job);
      request.set_job_folder(jobFolderOn(m_nodes[node].address, m_jobFolder));
      auto* placement = request.mutable_placement();
      placement->set_first_rank(static_cast<int>(node) * m_ranksPerNode);
      placement->set_rendezvous(m_rendezvousHost);
      placement->set_secret(m_secret);
      const v1::ValidateJobResponse answer = c.validate(request);
      for (const auto& problem : answer.problems())
        problems.push_back(where(m_nodes[node]) + ": " + problem.message());
    } catch (const std::exception& e) {
      problems.push_back(where(m_nodes[node]) + ": " + e.what());
    }
  }
  return problems;
}

std::vector<std::string> JobAcrossNodes::submit(const std::string& name,
                                                const std::string& resumeJob) {
  std::vector<std::string> ids;
  std::string rendezvous = m_rendezvousHost;
  try {
    for (size_t node = 0; node < m_nodes.size(); ++node) {
      v1::SubmitJobRequest request;
      request.set_name(name);
      request.mutable_train()->set_job_json(m_job);
      request.mutable_train()->set_job_folder(jobFolderOn(m_nodes[node].address, m_jobFolder));
      if (node == 0) request.mutable_train()->set_resume_job(resumeJob);
      auto* placement = request.mutable_train()->mutable_placement();
      placement->set_first_rank(static_cast<int>(node) * m_ranksPerNode);
      placement->set_rendezvous(rendezvous);
      placement->set_secret(m_secret);
      NodeClient c = client(node);
      ids.push_back(c.submit(request).id());
      if (node > 0) continue;
      // The first node picks the port and says where before its ranks start.
      std::string failure = "it ended before its rendezvous listened";
      c.watch(ids[0], 0, [&](const v1::Event& event) {
        const auto parsed = nlohmann::json::parse(event.json());
        if (event.type() == "rendezvous") rendezvous = parsed.value("address", "");
        if (event.type() == "state" && parsed.contains("reason")) failure = parsed["reason"];
        return event.type() != "rendezvous";
      });
      if (rendezvous == m_rendezvousHost) throw Error(where(m_nodes[0]) + ": " + failure);
    }
  } catch (const std::exception& e) {
    cancel(ids, true);
    throw Error(e.what());
  }
  return ids;
}

void JobAcrossNodes::cancel(const std::vector<std::string>& ids, bool atOnce) const {
  for (size_t node = 0; node < ids.size(); ++node) {
    try {
      client(node).cancel(ids[node], atOnce);
    } catch (const std::exception&) {
      // Ended already, or unreachable: its own ranks fail once their peers are gone.
    }
  }
}

int JobAcrossNodes::follow(const std::vector<std::string>& ids,
                           const std::function<int(NodeClient&, const std::string&)>& watchFirst) {
  std::vector<std::string> endings(ids.size());
  std::atomic<bool> cancelled{false};
  const auto ended = [&](size_t node, v1::JobState state, const std::string& reason) {
    if (state != v1::SUCCEEDED && !cancelled.exchange(true))
      cancel(ids, state == v1::FAILED || state == v1::LOST);
    if (state != v1::SUCCEEDED) endings[node] = where(m_nodes[node]) + ": " + reason;
  };
  std::vector<std::thread> others;
  for (size_t node = 1; node < ids.size(); ++node)
    others.emplace_back([&, node] {
      try {
        NodeClient c = client(node);
        c.watch(ids[node], 0, [](const v1::Event&) { return true; });
        const v1::JobStatus status = c.job(ids[node]);
        ended(node, status.state(), status.reason());
      } catch (const std::exception& e) {
        ended(node, v1::LOST, e.what());
      }
    });
  NodeClient first = client(0);
  const int firstCode = watchFirst(first, ids[0]);
  const v1::JobStatus status = first.job(ids[0]);
  ended(0, status.state(), status.reason());
  for (auto& thread : others) thread.join();
  int code = firstCode;
  for (const std::string& ending : endings)
    if (!ending.empty()) {
      std::fprintf(stderr, "%s\n", ending.c_str());
      code = code ? code : 1;
    }
  return code;
}

}  // namespace twb
