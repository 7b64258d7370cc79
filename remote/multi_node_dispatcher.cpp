#include "remote/multi_node_dispatcher.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <QRandomGenerator>
#include <algorithm>

#include "remote/remote_error.h"
#include "rpc/node_client.h"

namespace twb::remote {

namespace v1 = node::v1;

namespace {
// A fresh 256-bit secret for one job's rendezvous, as 64 hex digits.
QString makeSecret() {
  quint32 words[8];
  QRandomGenerator::system()->fillRange(words);
  return QByteArray(reinterpret_cast<const char*>(words), sizeof words).toHex();
}

v1::RankPlacement placement(int firstRank, const QString& rendezvous, const QString& secret) {
  v1::RankPlacement p;
  p.set_first_rank(firstRank);
  p.set_rendezvous(rendezvous.toStdString());
  p.set_secret(secret.toStdString());
  return p;
}
}  // namespace

MultiNodeDispatcher::MultiNodeDispatcher(std::vector<JobNode> nodes, QObject* parent)
    : QObject(parent), m_nodes(std::move(nodes)), m_shares(m_nodes.size()) {
  for (int node = 0; node < nodeCount(); ++node) wire(node);
}

MultiNodeDispatcher::~MultiNodeDispatcher() {
  joinThreads();  // the check may still submit: the dispatchers must outlive it
  for (Share& share : m_shares) share.dispatcher.reset();
  joinThreads();  // cancellations their last reports started
}

void MultiNodeDispatcher::joinThreads() {
  for (;;) {
    std::vector<std::thread> threads;
    {
      std::lock_guard lock(m_mutex);
      threads.swap(m_threads);
    }
    if (threads.empty()) return;
    for (auto& thread : threads) thread.join();
  }
}

void MultiNodeDispatcher::wire(int node) {
  Share& share = m_shares[static_cast<size_t>(node)];
  share.dispatcher = std::make_unique<JobDispatcher>(m_nodes[static_cast<size_t>(node)].endpoint);
  JobDispatcher* d = share.dispatcher.get();
  // Direct: these run on the dispatcher's threads; receivers of ours get them queued.
  connect(
      d, &JobDispatcher::submitted, this,
      [this, node](const QString& id) {
        bool cancelNow;
        {
          std::lock_guard lock(m_mutex);
          m_shares[static_cast<size_t>(node)].jobId = id;
          cancelNow = m_cancelling;
        }
        emit submitted(node, id);
        if (cancelNow) cancelShares();
      },
      Qt::DirectConnection);
  connect(
      d, &JobDispatcher::eventReceived, this,
      [this, node](const QString& id, qint64 seq, const QString& type, const QByteArray& json) {
        const QJsonObject event = QJsonDocument::fromJson(json).object();
        {
          std::lock_guard lock(m_mutex);
          Share& share = m_shares[static_cast<size_t>(node)];
          if (share.progress == Share::Ended) return;  // given up on (below): no longer followed
          if (type == "state") share.reason = event.value("reason").toString();
        }
        emit eventReceived(node, id, seq, type, json);
        if (node == 0 && type == "rendezvous") {
          std::lock_guard lock(m_mutex);
          if (m_cancelling) return;
          for (int other = 1; other < nodeCount(); ++other)
            submitShare(other, event.value("address").toString());
        }
      },
      Qt::DirectConnection);
  connect(
      d, &JobDispatcher::jobFinished, this,
      [this, node](const QString&, JobState state) {
        QString reason;
        {
          std::lock_guard lock(m_mutex);
          reason = m_shares[static_cast<size_t>(node)].reason;
        }
        shareEnded(node, state, state == JobState::Succeeded ? QString() : reason);
      },
      Qt::DirectConnection);
  connect(
      d, &JobDispatcher::failed, this,
      [this, node](const QString&, const QString& message) { shareEnded(node, JobState::Failed, message); },
      Qt::DirectConnection);
  connect(
      d, &JobDispatcher::lost, this,
      [this, node](const QString&, const QString& reason) { shareEnded(node, JobState::Lost, reason); },
      Qt::DirectConnection);
  connect(
      d, &JobDispatcher::connectionLost, this,
      [this, node](const QString&, const QString& reason, int attempt, int retryInMs) {
        bool giveUp;
        {
          std::lock_guard lock(m_mutex);
          giveUp = m_shareFailed && m_shares[static_cast<size_t>(node)].progress == Share::UnderWay;
        }
        // The job has failed already: waiting for a node that cannot be reached would only keep
        // it open. Its ranks stop by themselves once their peers' heartbeats stop.
        if (giveUp)
          return shareEnded(node, JobState::Lost,
                            tr("unreachable once another node's share had failed; its ranks "
                               "stop by themselves when they miss their peers' heartbeats"));
        emit connectionLost(node, reason, attempt, retryInMs);
      },
      Qt::DirectConnection);
  connect(
      d, &JobDispatcher::reconnected, this,
      [this, node](const QString&, qint64) { emit reconnected(node); }, Qt::DirectConnection);
}

void NodesCheck::add(const QString& problem, const QString& path) {
  if (problems.isEmpty()) firstPath = path;
  problems << problem;
}

JobValidation NodesCheck::validation() const {
  if (problems.isEmpty()) return first;
  JobValidation failed;
  failed.path = firstPath;
  failed.message = problems.join('\n');
  return failed;
}

NodesCheck checkJobAcrossNodes(const std::vector<JobNode>& nodes, const QString& jobJson,
                               const QString& secret) {
  NodesCheck check;
  const QString host = nodes.front().endpoint->networkHost();
  if (host.isEmpty()) {
    check.add(MultiNodeDispatcher::tr(
                  "parallel.nodes: %1 cannot be the first node of a job across nodes: the "
                  "others could not reach its rendezvous; list it after a node reached "
                  "over SSH")
                  .arg(nodes.front().name));
    return check;
  }
  const QJsonObject parallel =
      QJsonDocument::fromJson(jobJson.toUtf8()).object().value("parallel").toObject();
  const int ranksPerNode = parallel.value("ranks_per_node").toInt(1);
  QString firstBuild;
  for (size_t node = 0; node < nodes.size(); ++node) {
    const JobNode& n = nodes[node];
    const QString where =
        MultiNodeDispatcher::tr("node %1 (%2)").arg(n.name, n.endpoint->describe());
    try {
      NodeClient client = connectClient(*n.endpoint);
      const v1::NodeInfo info = client.info();
      const QString build = QString::fromStdString(info.engine_version() + " " + info.build_hash());
      if (node == 0) firstBuild = build;
      if (build != firstBuild)
        check.add(MultiNodeDispatcher::tr(
                      "%1: runs engine %2, but %3 runs %4: every node of a job needs the same "
                      "engine (test the node to deploy the workbench's bundle)")
                      .arg(where, build, nodes.front().name, firstBuild));
      const auto& strategies = info.parallel_strategies();
      if (std::find(strategies.begin(), strategies.end(), "data") == strategies.end())
        check.add(MultiNodeDispatcher::tr("%1: its engine cannot run data parallel").arg(where));
      v1::ValidateJobRequest request;
      request.set_job_json(jobJson.toStdString());
      *request.mutable_placement() = placement(static_cast<int>(node) * ranksPerNode, host,
                                               secret.isEmpty() ? makeSecret() : secret);
      const v1::ValidateJobResponse answer = client.validate(request);
      if (node == 0) check.first = readValidation(answer);
      // The node with the least memory for each rank is the one a step must fit.
      QJsonObject& summary = check.first.summary;
      const auto available = static_cast<double>(answer.memory_available_bytes());
      if (node == 0 ||
          (available > 0 && available < summary.value("memory_available_bytes").toDouble())) {
        summary["memory_available_bytes"] = available;
        summary["memory_available_node"] = n.name;
        summary["fitting_batch"] = static_cast<double>(answer.fitting_batch());
      }
      for (const auto& problem : answer.problems())
        check.add(where + ": " + QString::fromStdString(problem.message()),
                  QString::fromStdString(problem.path()));
    } catch (const std::exception& e) {
      check.add(where + ": " + QString::fromUtf8(e.what()));
    }
  }
  return check;
}

void MultiNodeDispatcher::submit(const QString& jobJson, const QString& resumeJob) {
  m_jobJson = jobJson;
  m_resumeJob = resumeJob;
  const QJsonObject parallel =
      QJsonDocument::fromJson(jobJson.toUtf8()).object().value("parallel").toObject();
  m_ranksPerNode = parallel.value("ranks_per_node").toInt(1);
  m_secret = makeSecret();
  std::lock_guard lock(m_mutex);
  m_threads.emplace_back([this] {
    const NodesCheck check = checkJobAcrossNodes(m_nodes, m_jobJson, m_secret);
    if (!check.problems.isEmpty()) {
      emit refused(check.problems.join('\n'));
      return;
    }
    std::lock_guard lock(m_mutex);
    if (!m_cancelling) submitShare(0, m_nodes.front().endpoint->networkHost());
  });
}

// Called with m_mutex held.
void MultiNodeDispatcher::submitShare(int node, const QString& rendezvous) {
  Share& share = m_shares[static_cast<size_t>(node)];
  share.progress = Share::UnderWay;
  share.dispatcher->submit(TrainingRequest{m_jobJson, node == 0 ? m_resumeJob : QString(),
                                           RankPlacement{node * m_ranksPerNode, rendezvous, m_secret}});
}

void MultiNodeDispatcher::follow(const QStringList& jobIds, const QList<qint64>& afterSeqs) {
  std::lock_guard lock(m_mutex);
  for (int node = 0; node < nodeCount(); ++node) {
    Share& share = m_shares[static_cast<size_t>(node)];
    share.jobId = jobIds.value(node);
    if (share.jobId.isEmpty()) {  // never submitted: its ranks never ran, and will not now
      share.progress = Share::NeverStarted;
      continue;
    }
    share.progress = Share::UnderWay;
    share.dispatcher->follow(share.jobId, afterSeqs.value(node));
  }
}

void MultiNodeDispatcher::shareEnded(int node, JobState state, const QString& reason) {
  JobState overall;
  QString summary;
  {
    std::lock_guard lock(m_mutex);
    Share& share = m_shares[static_cast<size_t>(node)];
    if (share.progress == Share::Ended) return;  // given up on before its node said how it ended
    share.progress = Share::Ended;
    share.ended = state;
    share.reason = reason;
    if (state != JobState::Succeeded) m_cancelling = true;  // the others cannot go on without it
    m_shareFailed = m_shareFailed || state == JobState::Failed || state == JobState::Lost;
    // A share is still under way once submitted, until it ends; one never submitted will not be
    // once the job is ending.
    bool running = false, failed = false, cancelled = false;
    QStringList reasons;
    for (int n = 0; n < nodeCount(); ++n) {
      const Share& s = m_shares[static_cast<size_t>(n)];
      running = running || s.progress == Share::UnderWay;
      const bool ended = s.progress == Share::Ended;
      if (ended && (s.ended == JobState::Failed || s.ended == JobState::Lost)) {
        failed = true;
        reasons << m_nodes[static_cast<size_t>(n)].name + ": " + s.reason;
      }
      cancelled = cancelled || (ended && s.ended == JobState::Cancelled);
      if (s.progress == Share::Waiting && !m_cancelling) running = true;  // waits for the rendezvous
    }
    if (running || m_ended) {
      if (m_cancelling && running) m_threads.emplace_back([this] { cancelShares(); });
      return;
    }
    m_ended = true;
    overall = failed ? JobState::Failed : cancelled ? JobState::Cancelled : JobState::Succeeded;
    summary = reasons.join("; ");
  }
  emit finished(overall, summary);
}

void MultiNodeDispatcher::cancel() {
  std::lock_guard lock(m_mutex);
  m_cancelling = true;
  m_threads.emplace_back([this] { cancelShares(); });
}

// Asks every node whose share is under way to stop it; blocking, on a thread of ours.
void MultiNodeDispatcher::cancelShares() {
  std::vector<std::pair<int, QString>> toCancel;
  bool atOnce;
  {
    std::lock_guard lock(m_mutex);
    atOnce = m_shareFailed;
    for (int node = 0; node < nodeCount(); ++node) {
      const Share& share = m_shares[static_cast<size_t>(node)];
      if (share.progress == Share::UnderWay && !share.jobId.isEmpty())
        toCancel.emplace_back(node, share.jobId);
    }
  }
  for (const auto& [node, id] : toCancel) {
    try {
      cancelJob(*m_nodes[static_cast<size_t>(node)].endpoint, id, atOnce);
    } catch (const std::exception&) {
      // Unreachable or already ended: its dispatcher reports how the share ended.
    }
  }
}

}  // namespace twb::remote
