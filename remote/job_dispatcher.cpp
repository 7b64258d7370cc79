#include "remote/job_dispatcher.h"

#include <QJsonDocument>
#include <QJsonObject>
#include <algorithm>

#include "remote/remote_error.h"
#include "rpc/node_client.h"

namespace twb::remote {

namespace v1 = node::v1;

namespace {
constexpr int kFirstRetryMs = 100;
constexpr int kLongestRetryMs = 5000;

JobState stateOf(v1::JobState state) {
  switch (state) {
    case v1::QUEUED: return JobState::Queued;
    case v1::RUNNING: return JobState::Running;
    case v1::SUCCEEDED: return JobState::Succeeded;
    case v1::FAILED: return JobState::Failed;
    case v1::CANCELLED: return JobState::Cancelled;
    default: return JobState::Lost;
  }
}
}  // namespace

JobDispatcher::JobDispatcher(std::shared_ptr<NodeEndpoint> node, QObject* parent)
    : QObject(parent), m_node(std::move(node)) {}

JobDispatcher::~JobDispatcher() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
    for (NodeClient* client : m_clients) client->cancelAll();
  }
  m_stopped.notify_all();
  for (auto& thread : m_threads) thread.join();
}

void JobDispatcher::submit(const TrainingRequest& training) {
  auto request = std::make_shared<v1::SubmitJobRequest>();
  request->mutable_train()->set_job_json(training.jobJson.toStdString());
  request->mutable_train()->set_resume_job(training.resumeJob.toStdString());
  request->mutable_train()->set_job_folder(training.jobFolder.toStdString());
  if (const auto& share = training.placement) {
    auto* placement = request->mutable_train()->mutable_placement();
    placement->set_first_rank(share->firstRank);
    placement->set_rendezvous(share->rendezvous.toStdString());
    placement->set_secret(share->secret.toStdString());
  }
  request->set_submission_id(training.submissionId.toStdString());
  std::lock_guard lock(m_mutex);
  m_threads.emplace_back([this, request] { run({}, request, 0); });
}

void JobDispatcher::submit(const QuantizeRequest& settings) {
  auto request = std::make_shared<v1::SubmitJobRequest>();
  auto* quantize = request->mutable_quantize();
  quantize->mutable_model()->set_job(settings.modelJob.toStdString());
  quantize->mutable_model()->set_artifact(settings.artifact.toStdString());
  quantize->set_calibration(settings.calibration.toStdString());
  quantize->set_samples(settings.samples);
  quantize->set_observer(settings.observer.toStdString());
  quantize->set_scheme(settings.scheme.toStdString());
  if (settings.maxDrop >= 0) quantize->set_max_drop(settings.maxDrop);
  request->set_submission_id(settings.submissionId.toStdString());
  std::lock_guard lock(m_mutex);
  m_threads.emplace_back([this, request] { run({}, request, 0); });
}

void JobDispatcher::follow(const QString& jobId, qint64 afterSeq) {
  std::lock_guard lock(m_mutex);
  m_threads.emplace_back([this, jobId, afterSeq] { run(jobId, nullptr, afterSeq); });
}

void JobDispatcher::followSubmission(const QString& submissionId) {
  std::lock_guard lock(m_mutex);
  m_threads.emplace_back([this, submissionId] { run({}, nullptr, 0, submissionId); });
}

bool JobDispatcher::sleepUnlessStopped(int ms) {
  std::unique_lock lock(m_mutex);
  return !m_stopped.wait_for(lock, std::chrono::milliseconds(ms), [this] { return m_stopping.load(); });
}

void JobDispatcher::run(QString jobId, std::shared_ptr<const v1::SubmitJobRequest> request,
                        qint64 afterSeq, const QString& submissionId) {
  qint64 last = afterSeq;
  for (int attempt = 0; !m_stopping;) {
    QString problem;
    bool retryable = true;
    try {
      NodeClient client = connectClient(*m_node);
      {
        std::lock_guard lock(m_mutex);
        if (m_stopping) return;
        m_clients.insert(&client);
      }
      struct Unregister {
        JobDispatcher* dispatcher;
        NodeClient* client;
        ~Unregister() {
          std::lock_guard lock(dispatcher->m_mutex);
          dispatcher->m_clients.erase(client);
        }
      } unregister{this, &client};

      if (jobId.isEmpty() && !request) {  // a submission whose answer never came
        const std::string wanted = submissionId.toStdString();
        for (const v1::JobStatus& job : client.list())
          if (job.submission_id() == wanted) jobId = QString::fromStdString(job.id());
        if (jobId.isEmpty()) {
          emit lost({}, tr("the workbench stopped before %1 had accepted the job").arg(m_node->describe()));
          return;
        }
        emit submitted(jobId);
      } else if (jobId.isEmpty()) {  // a retry after a drop sends the same submission id
        jobId = QString::fromStdString(client.submit(*request).id());
        emit submitted(jobId);
      }
      if (attempt > 0) emit reconnected(jobId, last);
      attempt = 0;
      std::optional<JobState> finalState;
      QString reason;
      const bool finished = client.watch(jobId.toStdString(), last, [&](const v1::Event& event) {
        if (event.seq() <= last) return true;  // never twice, whatever the stream replays
        last = event.seq();
        const QByteArray json = QByteArray::fromStdString(event.json());
        if (event.type() == "state") {
          const QJsonObject fields = QJsonDocument::fromJson(json).object();
          finalState = jobStateNamed(fields.value("state").toString());
          reason = fields.value("reason").toString();
        }
        emit eventReceived(jobId, last, QString::fromStdString(event.type()), json);
        return !m_stopping.load();
      });
      if (finished) {
        // Followed from after its last event: the job's record has the state.
        if (!finalState) {
          const v1::JobStatus status = client.job(jobId.toStdString());
          finalState = stateOf(status.state());
          reason = QString::fromStdString(status.reason());
        }
        emit jobFinished(jobId, *finalState, reason);
      }
      return;
    } catch (const RpcError& e) {
      if (e.code() == grpc::StatusCode::NOT_FOUND && !jobId.isEmpty()) {
        emit lost(jobId, tr("%1 no longer has job %2 (its folder was removed, or the node's data "
                            "was reset): %3")
                             .arg(m_node->describe(), jobId, QString::fromUtf8(e.what())));
        return;
      }
      problem = e.what();
      retryable = e.retryable() && !m_stopping;
    } catch (const RemoteError& e) {
      problem = e.what();
      retryable = e.retryable();
    } catch (const std::exception& e) {
      problem = e.what();
      retryable = false;
    }
    if (m_stopping) return;
    if (!retryable || ++attempt > m_maxAttempts) {
      emit failed(jobId, attempt > m_maxAttempts ? "gave up after " + QString::number(m_maxAttempts) +
                                                       " attempts: " + problem
                                                 : problem);
      return;
    }
    const int retryMs = std::min(kLongestRetryMs, kFirstRetryMs << std::min(attempt - 1, 10));
    emit connectionLost(jobId, problem, attempt, retryMs);
    if (!sleepUnlessStopped(retryMs)) return;
  }
}

}  // namespace twb::remote
