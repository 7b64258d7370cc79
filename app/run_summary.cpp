#include "app/run_summary.h"

#include <QJsonArray>
#include <QJsonDocument>

namespace twb::app {

RunPlacement placementOf(const ExperimentStore& store, const Run& run,
                         const QList<QByteArray>& stateEvents) {
  RunPlacement placement;
  for (const QByteArray& json : stateEvents) {
    const QString device = QJsonDocument::fromJson(json).object().value("device").toString();
    if (!device.isEmpty()) placement.device = device;
  }
  const QJsonArray ranks =
      QJsonDocument::fromJson(store.lastEvent(run.id, "step")).object().value("ranks").toArray();
  placement.ranks = std::max<int>(1, static_cast<int>(ranks.size()));
  for (const RunShare& share : store.runShares(run.id)) placement.nodes << share.node;
  if (placement.nodes.isEmpty()) placement.nodes << run.node;
  return placement;
}

QString runKind(const Run& run) {
  return QJsonDocument::fromJson(run.jobJson.toUtf8()).object().value("kind").toString("train");
}

QJsonObject summarizeRun(const ExperimentStore& store, qint64 runId) {
  QJsonObject summary;
  const QJsonObject ended = QJsonDocument::fromJson(store.lastEvent(runId, "state")).object();
  if (ended.contains("peak_memory_bytes"))
    summary["peak_memory_bytes"] = ended.value("peak_memory_bytes");
  if (runKind(store.run(runId)) == "quantize") {
    const QList<QByteArray> quantize = store.events(runId, "quantize");
    if (quantize.isEmpty()) return summary;
    const QJsonObject event = QJsonDocument::fromJson(quantize.back()).object();
    const QJsonObject report = event.value("report").toObject();
    const double int8 = report.value("int8").toObject().value("samples_per_s_b64").toDouble();
    const double fp32 = report.value("fp32").toObject().value("samples_per_s_b64").toDouble();
    summary["mode"] = "infer";
    summary["test_accuracy"] = event.value("int8_accuracy");
    summary["model_bytes"] = event.value("int8_bytes");
    if (int8 > 0) summary["samples_per_s"] = int8;
    if (int8 > 0 && fp32 > 0) summary["speedup"] = int8 / fp32;
    return summary;
  }
  summary["mode"] = "train";
  const QList<QByteArray> evals = store.events(runId, "eval");
  if (!evals.isEmpty())
    summary["test_accuracy"] = QJsonDocument::fromJson(evals.back()).object().value("accuracy");
  // Means over the logged steps: the throughput, and where a step's time went.
  for (const auto& [field, metric] : {std::pair{"samples_per_s", "samples_per_s"},
                                      {"step_ms", "time/step_ms"},
                                      {"data_ms", "time/data_ms"},
                                      {"compute_ms", "time/compute_ms"},
                                      {"exposed_comm_ms", "time/exposed_comm_ms"}}) {
    const auto points = store.metric(runId, metric);
    if (points.isEmpty()) continue;
    double sum = 0;
    for (const MetricPoint& p : points) sum += p.value;
    summary[field] = sum / points.size();
  }
  // The work of a sample (forward and backward, from a profiled step) at the run's throughput:
  // what Compare holds against the node's matmul peak of the run's precision (MFU).
  const QList<QByteArray> profiles = store.events(runId, "profile");
  const int batch = QJsonDocument::fromJson(store.run(runId).jobJson.toUtf8()).object().value("batch").toInt(64);
  if (!profiles.isEmpty() && summary.contains("samples_per_s") && batch > 0) {
    double flops = 0;
    for (const QJsonValue& layer : QJsonDocument::fromJson(profiles.back()).object().value("layers").toArray())
      flops += layer.toObject().value("flops").toDouble();
    if (flops > 0) summary["gflops"] = flops / batch * summary.value("samples_per_s").toDouble() / 1e9;
  }
  return summary;
}

std::optional<double> secondsToAccuracy(const ExperimentStore& store, qint64 runId, double target,
                                        const QList<QByteArray>& stateEvents) {
  double start = 0;
  for (const QByteArray& json : stateEvents) {
    const QJsonObject event = QJsonDocument::fromJson(json).object();
    if (remote::jobStateNamed(event.value("state").toString()) == RunState::Running) start = event.value("time").toDouble();
  }
  if (start <= 0) return std::nullopt;
  for (const MetricPoint& point : store.metric(runId, "eval/accuracy"))
    if (point.value >= target) return point.wallTime - start;
  return std::nullopt;
}

}  // namespace twb::app
