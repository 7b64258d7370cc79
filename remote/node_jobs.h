#pragma once

#include <QByteArray>
#include <QJsonObject>
#include <QList>
#include <QString>
#include <optional>
#include <utility>

#include "remote/node_endpoint.h"

namespace twb::node::v1 {
class ValidateJobResponse;
}

namespace twb::remote {

// What the workbench asks of a node, in Qt's types: remote/ alone speaks the node protocol
// (docs/protocol.md). Every call here is blocking and throws what the connection or the node
// throws: for worker threads.

// A node's share of a job across nodes: its ranks from `firstRank`, where they meet, and the
// job's secret (docs/data-parallel.md).
struct RankPlacement {
  int firstRank = 0;
  QString rendezvous;
  QString secret;
};

// A training job (docs/job-file.md); `resumeJob`: a job on the node whose latest checkpoint it
// continues from.
struct TrainingRequest {
  explicit TrainingRequest(QString job, QString resume = {},
                           std::optional<RankPlacement> share = {})
      : jobJson(std::move(job)), resumeJob(std::move(resume)), placement(std::move(share)) {}

  QString jobJson;
  QString resumeJob;
  std::optional<RankPlacement> placement;  // none: the whole job runs on this node
  QString submissionId;  // unique to this submission: asking again never starts a second job
  QString jobFolder;     // where the node resolves the job's relative paths; empty: its job folder
};

// Post-training quantization of a trained job's model (docs/quantization.md).
struct QuantizeRequest {
  QString modelJob;     // the node's job that trained the model
  QString artifact;     // the model file among that job's artifacts
  QString calibration;  // the dataset the calibration samples come from; empty: the model's own
  int samples = 512;
  QString observer;
  QString scheme;
  double maxDrop = -1;  // < 0: no accuracy bound
  QString submissionId;  // as TrainingRequest's
};

// A node's dry run of a job: ok, or the first problem's field and message; `summary` holds
// parameters, flops_per_step, memory_bytes and total_steps.
struct JobValidation {
  bool ok = false;
  QString path;
  QString message;
  QJsonObject summary;
};

struct NodeArtifact {
  QString name;
  qint64 bytes = 0;
};

// `jobFolder`: where the node resolves the job's relative paths (TrainingRequest::jobFolder).
// A node that cannot be asked answers as a failed check that says why.
JobValidation validateJob(NodeEndpoint& node, const QByteArray& jobJson, const QString& jobFolder = {});
JobValidation readValidation(const node::v1::ValidateJobResponse& answer);
// `atOnce`: see CancelJobRequest (another node's share of the job failed).
void cancelJob(NodeEndpoint& node, const QString& jobId, bool atOnce = false);
QList<NodeArtifact> jobArtifacts(NodeEndpoint& node, const QString& jobId);
// Copies one of the job's files to `destination` here.
void downloadArtifact(NodeEndpoint& node, const QString& jobId, const QString& artifact,
                      const QString& destination);
// Exports the job's model file `artifact` to ONNX on the node (QDQ for an int8 model), waits for
// it and downloads it to `destination`; returns the exported file's name on the node.
QString exportOnnx(NodeEndpoint& node, const QString& jobId, const QString& artifact,
                   const QString& destination);

}  // namespace twb::remote
