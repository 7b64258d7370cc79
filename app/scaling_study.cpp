#include "app/scaling_study.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace twb::app {

namespace {
// 1, 2, 4, … below `most`, then `most`.
QList<int> doublingUpTo(int most) {
  QList<int> counts;
  for (int n = 1; n < most; n *= 2) counts << n;
  counts << most;
  return counts;
}

// Those of `counts` that, times `times`, split `batch` evenly.
QList<int> splitting(const QList<int>& counts, int times, int batch) {
  QList<int> kept;
  for (int n : counts)
    if (batch % (n * times) == 0) kept << n;
  return kept;
}
}  // namespace

ScalingStudy scalingStudy(const QJsonObject& job, int cores) {
  ScalingStudy study;
  if (job.contains("sweep")) {  // its own block would be replaced
    study.problem = QCoreApplication::translate(
        "ScalingStudy", "the job is a sweep already: take its \"sweep\" block out first");
    return study;
  }
  if (const QString device = job.value("device").toString(); device.startsWith("cuda")) {
    study.problem = QCoreApplication::translate("ScalingStudy",
                                                "the job asks for %1, and data-parallel training "
                                                "runs on CPUs in this version: set the device to "
                                                "cpu or leave it to the node")
                        .arg(device);
    return study;
  }
  QJsonObject parallel = job.value("parallel").toObject();
  const QJsonArray nodes = parallel.value("nodes").toArray();
  study.threads = std::max(1, job.value("threads").toInt(0));
  const int most = cores > 0 ? cores / study.threads : 2;
  if (most < 2 && nodes.size() < 2) {
    study.problem = QCoreApplication::translate("ScalingStudy",
                                                "the node has %1 cores and a rank of %2 threads "
                                                "fills them: measuring scaling needs room for two "
                                                "ranks")
                        .arg(cores)
                        .arg(study.threads);
    return study;
  }
  study.ranks = doublingUpTo(std::max(1, most));
  study.nodeCounts = doublingUpTo(std::max<int>(1, nodes.size()));
  if (parallel.value("global_batch").toBool()) {     // every run's ranks must split the batch
    const int batch = job.value("batch").toInt(64);  // the engine's default
    study.ranks = splitting(study.ranks, 1, batch);
    study.nodeCounts = splitting(study.nodeCounts, study.ranks.last(), batch);
    if (study.ranks.size() * study.nodeCounts.size() < 2) {
      study.problem = QCoreApplication::translate("ScalingStudy",
                                                  "the global batch of %1 does not split evenly "
                                                  "over 2 ranks: make it even")
                          .arg(batch);
      return study;
    }
  }

  QJsonObject swept;
  if (study.ranks.size() > 1) {
    QJsonArray values;
    for (int ranks : std::as_const(study.ranks)) values.append(ranks);
    swept["parallel.ranks_per_node"] = values;
  }
  if (study.nodeCounts.size() > 1) {
    QJsonArray values;
    for (int count : std::as_const(study.nodeCounts))
      values.append(QJsonArray::fromVariantList(nodes.toVariantList().mid(0, count)));
    swept["parallel.nodes"] = values;  // before ranks_per_node: the nodes vary slowest
  }
  study.job = job;
  // The runs are named by the job and what each tried ("mlp [ranks_per_node=2]"); the project
  // that holds them, for the study.
  study.project = job.value("name").toString() + " scaling";
  study.job["threads"] = study.threads;
  const int steps = job.value("max_steps").toInt(0);
  study.job["max_steps"] = steps > 0 ? std::min(steps, kScalingSteps) : kScalingSteps;
  parallel["strategy"] = "data";
  parallel.remove("ranks_per_node");  // the sweep sets them
  if (study.nodeCounts.size() > 1) parallel.remove("nodes");
  study.job["parallel"] = parallel;
  study.job["sweep"] = QJsonObject{{"method", "grid"}, {"concurrency", 1}, {"parameters", swept}};
  return study;
}

}  // namespace twb::app
