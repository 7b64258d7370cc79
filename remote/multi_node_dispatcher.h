#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <QStringList>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "remote/job_dispatcher.h"
#include "remote/job_state.h"
#include "remote/node_endpoint.h"

namespace twb::remote {

// One node of a job across nodes, as the job's `parallel.nodes` names it.
struct JobNode {
  QString name;
  std::shared_ptr<NodeEndpoint> endpoint;
};

// What every node says about `jobJson` as its share of a job across `nodes`, before any rank
// starts: reachable, the same engine build as the first, able to run data parallel, the job
// valid there with its share of the ranks, the rendezvous host one it can listen at (the first
// node) or reach (the others). `problems` name the node and the field; `first` is the first
// node's dry run (parameters, FLOPs, memory). Blocking: for worker threads.
struct NodesCheck {
  QStringList problems;
  QString firstPath;  // the job-file field problems.front() is about
  JobValidation first;
  void add(const QString& problem, const QString& path = "parallel.nodes");
  // As one node's answer: the first node's when every node passed; else every problem, at the
  // field the first is about.
  JobValidation validation() const;
};
NodesCheck checkJobAcrossNodes(const std::vector<JobNode>& nodes, const QString& jobJson,
                               const QString& secret = {});

// Runs one data-parallel job on several nodes (docs/data-parallel.md) and follows it as one.
// First every node is checked (checkJobAcrossNodes). Then the first
// node gets its share, picks the rendezvous port and says where; then the others get theirs,
// with the job's secret. Each node's events arrive tagged with the node's index; when one node's
// share fails, the others are cancelled at once, a node that cannot be reached then is not waited
// for (its share ends lost), and the job's end names every node that failed.
class MultiNodeDispatcher : public QObject {
  Q_OBJECT

 public:
  MultiNodeDispatcher(std::vector<JobNode> nodes, QObject* parent = nullptr);
  ~MultiNodeDispatcher() override;  // stops following; the shares run on at their nodes

  // A training job whose `parallel.nodes` lists these nodes, in this order. `resumeJob`: a job
  // on the first node whose latest checkpoint every rank continues from (rank 0 sends it to
  // the ranks of the other nodes).
  void submit(const QString& jobJson, const QString& resumeJob = {});
  // Asks every node to stop its share (checkpoints are kept); the end arrives as finished().
  void cancel();
  // Shares already submitted (after a restart): node i's job `jobIds[i]`, from `afterSeqs[i]`.
  void follow(const QStringList& jobIds, const QList<qint64>& afterSeqs);

  int nodeCount() const { return static_cast<int>(m_nodes.size()); }
  QString nodeName(int node) const { return m_nodes[static_cast<size_t>(node)].name; }

 signals:
  // Node `node` (its ranks start at node × ranks_per_node) accepted its share as job `jobId`.
  void submitted(int node, const QString& jobId);
  void eventReceived(int node, const QString& jobId, qint64 seq, const QString& type,
                     const QByteArray& json);
  // Every node's share has ended; `reason` names each node whose share failed, and why.
  void finished(JobState state, const QString& reason);
  // Nothing started: a node was unreachable, or refused the job (`message` names the node and
  // the field).
  void refused(const QString& message);
  void connectionLost(int node, const QString& reason, int attempt, int retryInMs);
  void reconnected(int node);

 private:
  struct Share {
    // Waiting: for the first node's rendezvous; NeverStarted: followed after a restart, but the
    // workbench had stopped before submitting it.
    enum Progress { Waiting, UnderWay, NeverStarted, Ended };
    std::unique_ptr<JobDispatcher> dispatcher;
    QString jobId, reason;
    Progress progress = Waiting;
    JobState ended = JobState::Queued;  // once Ended
  };

  void wire(int node);
  void submitShare(int node, const QString& rendezvous);
  void shareEnded(int node, JobState state, const QString& reason);
  void cancelShares();
  void joinThreads();

  std::vector<JobNode> m_nodes;
  int m_ranksPerNode = 1;
  QString m_jobJson, m_resumeJob, m_secret;
  std::mutex m_mutex;
  std::vector<Share> m_shares;
  bool m_cancelling = false, m_ended = false;
  bool m_shareFailed = false;  // the others' ranks wait on its dead ones: cancelled at once
  std::vector<std::thread> m_threads;
};

}  // namespace twb::remote
