#include "remote/node_jobs.h"

#include <QFileInfo>
#include <stdexcept>

#include "rpc/node_client.h"

namespace twb::remote {

namespace v1 = node::v1;

JobValidation readValidation(const v1::ValidateJobResponse& answer) {
  JobValidation validation;
  validation.ok = answer.ok();
  if (!answer.problems().empty()) {
    validation.path = QString::fromStdString(answer.problems(0).path());
    validation.message = QString::fromStdString(answer.problems(0).message());
  }
  validation.summary = {
      {"parameters", static_cast<double>(answer.parameters())},
      {"trained_parameters", static_cast<double>(answer.trained_parameters())},
      {"flops_per_step", answer.flops_per_step()},
      {"memory_bytes", static_cast<double>(answer.memory_bytes())},
      {"memory_available_bytes", static_cast<double>(answer.memory_available_bytes())},
      {"fitting_batch", static_cast<double>(answer.fitting_batch())},
      {"total_steps", static_cast<double>(answer.total_steps())}};
  return validation;
}

JobValidation validateJob(NodeEndpoint& node, const QByteArray& jobJson, const QString& jobFolder) {
  v1::ValidateJobRequest request;
  request.set_job_json(jobJson.toStdString());
  request.set_job_folder(jobFolder.toStdString());
  try {
    return readValidation(connectClient(node).validate(request));
  } catch (const std::exception& e) {
    JobValidation failed;
    failed.message = QString::fromUtf8(e.what());
    return failed;
  }
}

void cancelJob(NodeEndpoint& node, const QString& jobId, bool atOnce) {
  connectClient(node).cancel(jobId.toStdString(), atOnce);
}

QList<NodeArtifact> jobArtifacts(NodeEndpoint& node, const QString& jobId) {
  QList<NodeArtifact> artifacts;
  for (const v1::Artifact& artifact : connectClient(node).artifacts(jobId.toStdString()))
    artifacts.push_back(
        {QString::fromStdString(artifact.name()), static_cast<qint64>(artifact.size_bytes())});
  return artifacts;
}

void downloadArtifact(NodeEndpoint& node, const QString& jobId, const QString& artifact,
                      const QString& destination) {
  connectClient(node).download(jobId.toStdString(), artifact.toStdString(),
                               destination.toStdString());
}

QString exportOnnx(NodeEndpoint& node, const QString& jobId, const QString& artifact,
                   const QString& destination) {
  NodeClient client = connectClient(node);
  v1::SubmitJobRequest request;
  request.mutable_export_()->mutable_model()->set_job(jobId.toStdString());
  request.mutable_export_()->mutable_model()->set_artifact(artifact.toStdString());
  const v1::JobStatus job = client.submit(request);
  client.watch(job.id(), 0, [](const v1::Event&) { return true; });
  const v1::JobStatus done = client.job(job.id());
  if (done.state() != v1::SUCCEEDED)
    throw std::runtime_error("the export failed on the node: " + done.reason());
  const QString exported = QFileInfo(artifact).completeBaseName() + ".onnx";
  client.download(job.id(), exported.toStdString(), destination.toStdString());
  return exported;
}

}  // namespace twb::remote
