#include "app/scaling_study.h"

#include <QCoreApplication>
#include <QJsonArray>

namespace twb::app {

ScalingStudy scalingStudy(const QJsonObject& job, int cores) {
  ScalingStudy study;
  if (job.contains("sweep")) {  // its own block would be replaced
    study.problem = QCoreApplication::translate(
        "ScalingStudy", "the job is a sweep already: take its \"sweep\" block out first");
    return study;
  }
  study.threads = std::max(1, job.value("threads").toInt(0));
  const int most = cores > 0 ? cores / study.threads : 2;
  if (most < 2) {
    study.problem = QCoreApplication::translate("ScalingStudy",
                                                "the node has %1 cores and a rank of %2 threads "
                                                "fills them: measuring scaling needs room for two "
                                                "ranks")
                        .arg(cores)
                        .arg(study.threads);
    return study;
  }
  for (int ranks = 1; ranks < most; ranks *= 2) study.ranks << ranks;
  study.ranks << most;
  QJsonArray values;
  for (int ranks : std::as_const(study.ranks)) values.append(ranks);

  study.job = job;
  study.job["name"] = job.value("name").toString() + " scaling";
  study.job["threads"] = study.threads;
  const int steps = job.value("max_steps").toInt(0);
  study.job["max_steps"] = steps > 0 ? std::min(steps, kScalingSteps) : kScalingSteps;
  QJsonObject parallel = job.value("parallel").toObject();
  parallel["strategy"] = "data";
  parallel.remove("ranks_per_node");  // the sweep sets it
  study.job["parallel"] = parallel;
  study.job["sweep"] =
      QJsonObject{{"method", "grid"},
                  {"concurrency", 1},
                  {"parameters", QJsonObject{{"parallel.ranks_per_node", values}}}};
  return study;
}

}  // namespace twb::app
