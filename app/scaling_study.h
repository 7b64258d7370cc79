#pragma once

#include <QJsonObject>
#include <QList>
#include <QString>

namespace twb::app {

// A job run data parallel on 1, 2, 4, … ranks per node and, when it goes across nodes, on its
// first 1, 2, 4, … nodes, one trial at a time so that the trials do not share the cores: a sweep
// (docs/sweeps.md) whose runs Compare holds side by side, the run of one rank on one node first,
// with each one's Scaling against it.
struct ScalingStudy {
  QJsonObject job;        // the sweep: the job with a "sweep" block over the ranks and nodes
  QString project;        // a name for the project of its runs: "JOB scaling"
  QList<int> ranks;       // the ranks per node it tries
  QList<int> nodeCounts;  // the numbers of nodes it tries ({1} for a job on one node)
  int threads = 1;        // each rank's
  QString problem;        // why there is no study, naming the numbers; empty when there is one
};

// The study of `job` on nodes of `cores` logical cores (0: not known, then 1 and 2 ranks); none
// for a job that is a sweep itself or asks for a GPU.
// Each rank keeps the job's threads; a job that asks for every core (threads 0) gets one thread
// a rank, since "every core" split among more ranks leaves the cores, and so the speed, the same.
// Ranks double up to the most that fit the cores, and that most is tried too (1, 2, 4, 6 on 6);
// so do the nodes of a job across nodes (parallel.nodes), the first of its list first, where one
// rank a node is a study too.
// With parallel.global_batch every run's ranks split the job's batch: the rank and node counts
// that do not split it evenly are left out (strong scaling).
// Throughput settles within a few hundred steps (the mlp's within 40), so each run stops after
// kScalingSteps at most.
constexpr int kScalingSteps = 300;
ScalingStudy scalingStudy(const QJsonObject& job, int cores);

}  // namespace twb::app
