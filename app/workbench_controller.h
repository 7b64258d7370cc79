#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QObject>
#include <QSet>
#include <QString>
#include <atomic>
#include <functional>
#include <map>
#include <memory>

#include "app/experiment_store.h"
#include "app/run_recorder.h"
#include "remote/job_dispatcher.h"
#include "remote/multi_node_dispatcher.h"
#include "remote/node_endpoint.h"

namespace twb {
namespace app {

// How to quantize a run's model (docs/quantization.md).
struct QuantizeSettings {
  int samples = 512;
  QString observer = "percentile";
  QString scheme = "per-channel";
  double maxDrop = -1;  // < 0: no accuracy bound
};

// Joins the store, the node and the widgets: starts runs on the node, records everything they
// report, sums each finished run up, quantizes and exports models, and tells the widgets
// (queued, on the GUI thread) what changed. Nothing here blocks the GUI thread: node calls run
// on dispatcher threads or the thread pool.
class WorkbenchController : public QObject {
  Q_OBJECT

 public:
  WorkbenchController(ExperimentStore& store, std::shared_ptr<remote::NodeEndpoint> node,
                      QObject* parent = nullptr);
  ~WorkbenchController() override;

  ExperimentStore& store() { return m_store; }
  QString nodeName() const { return m_node->describe(); }
  // Saved remote nodes become places to run (the local node is "local"); what each says about
  // itself when tested is kept in the store.
  void setNodeManager(class NodeManager* nodes);
  // The project new runs go into: the first one (a default project is made on first use) until
  // setProjectId() chooses another.
  qint64 projectId();
  void setProjectId(qint64 projectId) { m_project = projectId; }

  // Stores a training run and submits it to `node` ("local" or a saved node); returns its id.
  // `resumeJob`: a job on that node whose latest checkpoint the run continues from. A
  // data-parallel job whose parallel.nodes lists two or more nodes runs across those instead
  // (docs/data-parallel.md): every node's share and events are stored with the run; one that
  // lists one node runs there.
  // `projectId`: the project the run goes into, 0 for the current one.
  qint64 startRun(const QString& name, const QJsonObject& job, const QString& node = "local",
                  const QString& resumeJob = {}, qint64 projectId = 0);
  // A new run continuing a cancelled, lost or failed training run from its latest checkpoint on
  // its node; 0 when the run is not one of those.
  qint64 resumeRun(qint64 runId);
  // Sibling runs of `job` in fp32 and bf16 (same seed: same initial weights and data order); the
  // fp32 model is quantized to int8 once trained. A node that cannot run bf16 (as its
  // GetNodeInfo said) trains fp32 only, and notice() says why. Returns the fp32 run's id.
  qint64 comparePrecisions(const QJsonObject& job, const QString& node = "local",
                           const QuantizeSettings& int8 = {});
  // Asks the run's node to stop it (training keeps a checkpoint to resume from); the new state
  // arrives as runStateChanged(). False when the run is not queued or running on a node.
  bool cancelRun(qint64 runId);
  // A new int8 run quantizing `sourceRunId`'s trained model on the node.
  qint64 quantizeRun(qint64 sourceRunId, const QuantizeSettings& settings);
  // Writes a finished run's model to `destination`: "onnx" (exported on the node; QDQ for int8)
  // or "twbm" (the native file). Answers with exported() or exportFailed().
  void exportRun(qint64 runId, const QString& format, const QString& destination);
  // Asks the local node for its GetNodeInfo; the answer comes as localNodeChecked().
  void checkLocalNode();
  // `node`'s dry run of a job; the answer comes as validated(). A later ticket makes the
  // earlier one stale: a sweep's dry runs for it stop at the next trial.
  void validate(const QJsonObject& job, int ticket, const QString& node = "local");
  // The folder of the job file the user opened: jobs validated and started on the local node
  // next resolve their relative paths (a dataset, a model file) there, as `twb-engine train
  // FILE` does. Empty (a job not read from a file): the node's job folder. Remote nodes have
  // their own files, so their jobs' paths stay theirs.
  void setJobFolder(const QString& folder) { m_jobFolder = folder; }
  const QString& jobFolder() const { return m_jobFolder; }
  // Follows again, from the last stored event, every run the store lists as queued or running
  // that this session does not follow yet (the workbench was closed or killed while they ran);
  // each ends in its true state. A run whose node cannot be reached any more, or that never
  // reached its node, ends lost with the reason. Returns how many are followed.
  int followUnfinishedRuns();

 signals:
  void runAdded(const twb::app::Run& run);  // as stored, its id set
  void runStateChanged(qint64 runId, RunState state);
  void runSummarized(qint64 runId, const QJsonObject& summary);
  void eventArrived(qint64 runId, qint64 seq, const QString& type, const QByteArray& json);
  // ok, or the problem's field path and message; `summary` has parameters, flops, memory.
  void validated(int ticket, bool ok, const QString& path, const QString& message,
                 const QJsonObject& summary);
  // How far the check of a sweep's trials (`ticket`) has gone: `done` of `total` dry runs.
  void validationProgress(int ticket, int done, int total);
  void runFailed(qint64 runId, const QString& message);
  // Something the user should read that is no failure (a precision the node cannot run).
  void notice(const QString& message);
  // The run's node does not have its job any more, or it never got there.
  void runLost(qint64 runId, const QString& reason);
  // The link to a running run's node dropped; attempt `attempt` to reconnect follows in
  // `retryInMs`. reconnected() when it is back (the events resume where they stopped).
  void connectionLost(qint64 runId, const QString& node, const QString& reason, int attempt,
                      int retryInMs);
  void reconnected(qint64 runId, const QString& node);
  // The store cannot write (a full disk: the message says so); "" once it can again. Nothing
  // committed is lost, and the events not yet written wait in memory.
  void storeWriteFailed(const QString& message);
  // "ok" and the node's info, or what went wrong and an empty object.
  void localNodeChecked(const QString& health, const QJsonObject& info);
  // A node's op catalogue (remote::fetchOpCatalog), what the designer's palette offers.
  void opCatalogFetched(const QString& node, const QString& engineVersion, const QJsonArray& ops);
  void exported(qint64 runId, const QString& path);
  void exportFailed(qint64 runId, const QString& message);

 private:
  // `request`: a remote::TrainingRequest or remote::QuantizeRequest.
  template <typename Request>
  qint64 launch(const Run& run, const Request& request, const QString& node);
  // Stores `run` (its name and project given; a resumed run's job folder too) with the job asked
  // for and submits it, across nodes where the job names several; `resumeJob` as startRun().
  qint64 submitRun(Run run, const QJsonObject& asked, const QString& askedNode,
                   const QString& resumeJob);
  // A dispatcher for the run, with the recorder and the signals above wired to it.
  remote::JobDispatcher& attach(qint64 runId, const QString& node,
                                std::shared_ptr<remote::NodeEndpoint> endpoint);
  // Throws RemoteError for a node that is not known.
  std::shared_ptr<remote::NodeEndpoint> endpointFor(const QString& node);
  qint64 launchAcrossNodes(const Run& run, const QJsonObject& job, const QStringList& nodes,
                           const QString& resumeJob);
  remote::MultiNodeDispatcher& attachAcrossNodes(qint64 runId, std::vector<remote::JobNode> nodes,
                                                 int ranksPerNode);
  bool followAcrossNodes(const Run& run, const QList<RunShare>& shares);
  void validateAcrossNodes(const QByteArray& job, const QStringList& nodes, int ticket);
  // Runs `check` on a worker thread; its answer comes as validated(ticket, ...) on this one.
  void answerFromWorker(int ticket, std::function<remote::JobValidation()> check);
  // The sweep block, then its trials on their nodes (planTrialChecks).
  void validateSweep(const QJsonObject& job, int ticket, const QString& node);
  void finished(qint64 runId, RunState state);

  ExperimentStore& m_store;
  std::shared_ptr<remote::NodeEndpoint> m_node;  // the local node
  QString m_jobFolder;                           // see setJobFolder()
  std::atomic<int> m_askedTicket{0};             // the newest validate()'s
  class NodeManager* m_nodes = nullptr;
  qint64 m_project = 0;
  struct Active {
    std::unique_ptr<remote::JobDispatcher> dispatcher;  // a run on one node
    std::unique_ptr<remote::MultiNodeDispatcher> acrossNodes;  // or across nodes
    std::unique_ptr<RunRecorder> recorder;
  };
  std::map<qint64, Active> m_runs;
  std::map<qint64, QuantizeSettings> m_quantizeWhenDone;  // fp32 runs of a precision comparison
};

}  // namespace app
}  // namespace twb
