// The sweep "Measure scaling" starts: the ranks it tries on nodes of a given size, the threads of
// each rank, the job it runs (data parallel, the rest as the user set it) and the refusal where
// two ranks do not fit.
#include <QJsonArray>
#include <QJsonObject>
#include <QtTest>

#include "app/scaling_study.h"

using twb::app::scalingStudy;

class ScalingStudyTest : public QObject {
  Q_OBJECT

 private slots:
  void ranksDoubleUpToWhatFitsTheCores_data() {
    QTest::addColumn<int>("cores");
    QTest::addColumn<int>("threads");
    QTest::addColumn<QList<int>>("ranks");
    QTest::newRow("2 cores, 1 thread") << 2 << 1 << QList<int>{1, 2};
    QTest::newRow("6 cores: the most that fit too") << 6 << 1 << QList<int>{1, 2, 4, 6};
    QTest::newRow("16 cores, 2 threads") << 16 << 2 << QList<int>{1, 2, 4, 8};
    QTest::newRow("every core: one thread a rank") << 4 << 0 << QList<int>{1, 2, 4};
    QTest::newRow("cores not known") << 0 << 1 << QList<int>{1, 2};
    QTest::newRow("7 cores, 3 threads") << 7 << 3 << QList<int>{1, 2};
  }
  void ranksDoubleUpToWhatFitsTheCores() {
    QFETCH(int, cores);
    QFETCH(int, threads);
    QFETCH(QList<int>, ranks);
    const auto study = scalingStudy(QJsonObject{{"name", "mlp"}, {"threads", threads}}, cores);
    QVERIFY2(study.problem.isEmpty(), qPrintable(study.problem));
    QCOMPARE(study.ranks, ranks);
    QCOMPARE(study.threads, std::max(1, threads));
    QCOMPARE(study.job["threads"].toInt(), std::max(1, threads));
    QJsonArray swept;
    for (int r : ranks) swept.append(r);
    QCOMPARE(study.job["sweep"].toObject(),
             (QJsonObject{{"method", "grid"},
                          {"concurrency", 1},
                          {"parameters", QJsonObject{{"parallel.ranks_per_node", swept}}}}));
  }

  // The job is the user's, data parallel, with what they chose for it kept and the ranks left to
  // the sweep.
  void theJobKeepsWhatTheUserSet() {
    const QJsonObject job{{"name", "cnn"},
                          {"batch", 32},
                          {"precision", "bf16"},
                          {"parallel", QJsonObject{{"strategy", "data"},
                                                   {"ranks_per_node", 4},
                                                   {"compression", "bf16"},
                                                   {"nodes", QJsonArray{"a", "b"}}}}};
    const auto study = scalingStudy(job, 8);
    QCOMPARE(study.job["name"].toString(), QString("cnn"));  // its trials: "cnn [...]"
    QCOMPARE(study.project, QString("cnn scaling"));
    QCOMPARE(study.job["batch"].toInt(), 32);
    QCOMPARE(study.job["precision"].toString(), QString("bf16"));
    QCOMPARE(study.job["parallel"].toObject(),  // the nodes are swept too
             (QJsonObject{{"strategy", "data"}, {"compression", "bf16"}}));
    const auto single = scalingStudy(QJsonObject{{"name", "mlp"}}, 2);
    QCOMPARE(single.job["parallel"].toObject(), (QJsonObject{{"strategy", "data"}}));
  }

  // A job across nodes is tried on its first node alone, then on more of its list, the nodes
  // varying slowest so that the run of one rank on one node comes first; nodes that hold one rank
  // each still make a study.
  void aJobAcrossNodesIsTriedOnMoreOfThem_data() {
    QTest::addColumn<int>("threads");
    QTest::addColumn<QStringList>("nodes");
    QTest::addColumn<QList<int>>("ranks");
    QTest::addColumn<QList<int>>("nodeCounts");
    QTest::newRow("2 nodes of 2 cores")
        << 1 << QStringList{"a", "b"} << QList<int>{1, 2} << QList<int>{1, 2};
    QTest::newRow("3 nodes") << 1 << QStringList{"a", "b", "c"} << QList<int>{1, 2}
                             << QList<int>{1, 2, 3};
    QTest::newRow("5 nodes a rank fills")
        << 2 << QStringList{"a", "b", "c", "d", "e"} << QList<int>{1} << QList<int>{1, 2, 4, 5};
  }
  void aJobAcrossNodesIsTriedOnMoreOfThem() {
    QFETCH(int, threads);
    QFETCH(QStringList, nodes);
    QFETCH(QList<int>, ranks);
    QFETCH(QList<int>, nodeCounts);
    const QJsonObject job{{"name", "cnn"},
                          {"threads", threads},
                          {"parallel", QJsonObject{{"strategy", "data"},
                                                   {"ranks_per_node", 2},
                                                   {"nodes", QJsonArray::fromStringList(nodes)}}}};
    const auto study = scalingStudy(job, 2);
    QVERIFY2(study.problem.isEmpty(), qPrintable(study.problem));
    QCOMPARE(study.ranks, ranks);
    QCOMPARE(study.nodeCounts, nodeCounts);
    QJsonObject swept;
    QJsonArray lists;
    for (int n : nodeCounts) lists.append(QJsonArray::fromStringList(nodes.mid(0, n)));
    swept["parallel.nodes"] = lists;
    if (ranks.size() > 1) swept["parallel.ranks_per_node"] = QJsonArray{1, 2};
    QCOMPARE(study.job["sweep"].toObject()["parameters"].toObject(), swept);
    QCOMPARE(study.job["parallel"].toObject(), (QJsonObject{{"strategy", "data"}}));
  }

  // With a global batch every run splits the job's batch among its ranks (strong scaling): rank
  // and node counts that do not split it are left out, and the option stays the job's.
  void aGlobalBatchKeepsTheCountsThatSplitIt_data() {
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("cores");
    QTest::addColumn<int>("nodes");
    QTest::addColumn<QList<int>>("ranks");
    QTest::addColumn<QList<int>>("nodeCounts");
    QTest::newRow("64 on 6 cores") << 64 << 6 << 1 << QList<int>{1, 2, 4} << QList<int>{1};
    QTest::newRow("48 on 3 nodes of 4 cores")
        << 48 << 4 << 3 << QList<int>{1, 2, 4} << QList<int>{1, 2, 3};
    QTest::newRow("40 on 3 nodes of 4 cores")
        << 40 << 4 << 3 << QList<int>{1, 2, 4} << QList<int>{1, 2};
    QTest::newRow("6 on 3 nodes of 2 cores") << 6 << 2 << 3 << QList<int>{1, 2} << QList<int>{1, 3};
  }
  void aGlobalBatchKeepsTheCountsThatSplitIt() {
    QFETCH(int, batch);
    QFETCH(int, cores);
    QFETCH(int, nodes);
    QFETCH(QList<int>, ranks);
    QFETCH(QList<int>, nodeCounts);
    QJsonObject parallel{{"strategy", "data"}, {"global_batch", true}};
    QStringList names;
    for (int n = 0; n < nodes; ++n) names << QString("n%1").arg(n);
    if (nodes > 1) parallel["nodes"] = QJsonArray::fromStringList(names);
    const auto study = scalingStudy(
        QJsonObject{{"name", "mlp"}, {"batch", batch}, {"threads", 1}, {"parallel", parallel}},
        cores);
    QVERIFY2(study.problem.isEmpty(), qPrintable(study.problem));
    QCOMPARE(study.ranks, ranks);
    QCOMPARE(study.nodeCounts, nodeCounts);
    QCOMPARE(study.job["parallel"].toObject()["global_batch"], QJsonValue(true));
    QCOMPARE(study.job["batch"].toInt(), batch);
  }

  void aGlobalBatchThatDoesNotSplitIsRefused() {
    const auto study = scalingStudy(
        QJsonObject{{"name", "mlp"},
                    {"batch", 63},
                    {"parallel", QJsonObject{{"strategy", "data"}, {"global_batch", true}}}},
        8);
    QVERIFY(study.job.isEmpty());
    QCOMPARE(study.problem,
             QString("the global batch of 63 does not split evenly over 2 ranks: make it even"));
  }

  // Throughput is what the study measures: a few hundred steps a run, fewer when the job has.
  void eachRunStopsAfterAFewHundredSteps() {
    QCOMPARE(scalingStudy(QJsonObject{{"name", "mlp"}, {"epochs", 10}}, 2).job["max_steps"].toInt(),
             twb::app::kScalingSteps);
    QCOMPARE(
        scalingStudy(QJsonObject{{"name", "mlp"}, {"max_steps", 5000}}, 2).job["max_steps"].toInt(),
        twb::app::kScalingSteps);
    QCOMPARE(
        scalingStudy(QJsonObject{{"name", "mlp"}, {"max_steps", 120}}, 2).job["max_steps"].toInt(),
        120);
  }

  void aSweepIsRefused() {
    const auto study = scalingStudy(
        QJsonObject{{"name", "mlp"}, {"sweep", QJsonObject{{"parameters", QJsonObject{}}}}}, 8);
    QVERIFY(study.job.isEmpty());
    QCOMPARE(study.problem,
             QString("the job is a sweep already: take its \"sweep\" block out first"));
  }

  void aGpuJobIsRefused() {
    const auto study = scalingStudy(QJsonObject{{"name", "mlp"}, {"device", "cuda:0"}}, 8);
    QVERIFY(study.job.isEmpty());
    QCOMPARE(study.problem, QString("the job asks for cuda:0, and data-parallel training runs on "
                                    "CPUs in this version: set the device to cpu or leave it to "
                                    "the node"));
  }

  void twoRanksThatDoNotFitAreRefused() {
    const auto study = scalingStudy(QJsonObject{{"name", "mlp"}, {"threads", 2}}, 3);
    QVERIFY(study.job.isEmpty());
    QCOMPARE(study.problem, QString("the node has 3 cores and a rank of 2 threads fills them: "
                                    "measuring scaling needs room for two ranks"));
  }
};

QTEST_GUILESS_MAIN(ScalingStudyTest)
#include "tst_scaling_study.moc"
