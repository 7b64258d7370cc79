#pragma once

#include <QByteArray>
#include <QObject>
#include <QString>
#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

#include "remote/job_state.h"
#include "remote/node_endpoint.h"
#include "remote/node_jobs.h"

namespace twb {
class NodeClient;
namespace node::v1 {
class SubmitJobRequest;
}
}  // namespace twb

namespace twb::remote {

// Sends jobs to one node and follows them. Every call returns at once; the work runs on a thread
// per job and its results arrive as signals, queued to the receivers' threads. After any drop
// (network, SSH, daemon restart) it reconnects with back-off and resumes from the last sequence
// number it delivered, so a receiver sees every event of a job exactly once, in order.
class JobDispatcher : public QObject {
  Q_OBJECT

 public:
  explicit JobDispatcher(std::shared_ptr<NodeEndpoint> node, QObject* parent = nullptr);
  ~JobDispatcher() override;  // stops following; the jobs run on at the node

  void submit(const TrainingRequest& training);
  void submit(const QuantizeRequest& quantize);
  void follow(const QString& jobId, qint64 afterSeq = 0);  // a job already on the node
  // Follows the job a submission with this id made, found among the node's jobs; `lost` when the
  // node has none (the submission never reached it).
  void followSubmission(const QString& submissionId);

  int maxAttempts() const { return m_maxAttempts; }
  void setMaxAttempts(int attempts) { m_maxAttempts = attempts; }

 signals:
  void submitted(const QString& jobId);
  // One event as docs/events.md describes it; `json` is the whole object.
  void eventReceived(const QString& jobId, qint64 seq, const QString& type, const QByteArray& json);
  // `reason`: why it failed, was cancelled or lost, in the node's words (empty on success).
  void jobFinished(const QString& jobId, JobState state, const QString& reason);
  // The connection dropped; attempt `attempt` to reconnect follows in `retryInMs`.
  void connectionLost(const QString& jobId, const QString& reason, int attempt, int retryInMs);
  void reconnected(const QString& jobId, qint64 resumeAfterSeq);
  // Gave up: a refused job, a refused login, a changed host key, or too many failed attempts.
  void failed(const QString& jobId, const QString& message);
  // The node does not know the job it was asked to follow (any more): `reason` says which.
  void lost(const QString& jobId, const QString& reason);

 private:
  // Submits `request` first when `jobId` is empty, then follows the job; with neither, finds the
  // job of `submissionId`.
  void run(QString jobId, std::shared_ptr<const node::v1::SubmitJobRequest> request, qint64 afterSeq,
           const QString& submissionId = {});
  bool sleepUnlessStopped(int ms);

  std::shared_ptr<NodeEndpoint> m_node;
  int m_maxAttempts = 60;
  std::atomic<bool> m_stopping{false};
  std::mutex m_mutex;
  std::condition_variable m_stopped;
  std::set<NodeClient*> m_clients;  // in use, cancelled on stop
  std::vector<std::thread> m_threads;
};

}  // namespace twb::remote
