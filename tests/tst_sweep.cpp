// A job file's sweep block expanded into trials, and the median stopping rule, against values
// worked out by hand.
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <limits>

#include "sweep/median_stopping_rule.h"
#include "sweep/sweep_plan.h"

using namespace twb;

namespace {
nlohmann::json jobWith(const nlohmann::json& sweep) {
  return {{"name", "s"},
          {"model", {{"template", "mlp"}}},
          {"optimizer", {{"type", "sgd"}, {"lr", 0.1}}},
          {"sweep", sweep}};
}
}  // namespace

class SweepTest : public QObject {
  Q_OBJECT
 private slots:
  void aGridIsTheProductWithTheLastParameterFastest() {
    const SweepPlan plan = planSweep(
        jobWith({{"parameters",
                  {{"optimizer.lr", {0.01, 0.1}}, {"model.args.hidden", {{64}, {128, 64}}}}}}));
    QCOMPARE(plan.trials.size(), size_t{4});
    // nlohmann's objects keep their keys sorted: "model..." comes before "optimizer...".
    QCOMPARE(plan.trials[0].job["model"]["args"]["hidden"], nlohmann::json({64}));
    QCOMPARE(plan.trials[0].job["optimizer"]["lr"].get<double>(), 0.01);
    QCOMPARE(plan.trials[1].job["optimizer"]["lr"].get<double>(), 0.1);
    QCOMPARE(plan.trials[2].job["model"]["args"]["hidden"], nlohmann::json({128, 64}));
    QCOMPARE(plan.trials[3].job["name"].get<std::string>(),
             std::string("s [hidden=[128,64], lr=0.1]"));
    // Lists of names without their quotes, as the names show alone.
    QCOMPARE(
        planSweep(jobWith({{"parameters", {{"parallel.nodes", {{"lab-a"}, {"lab-a", "lab-b"}}}}}}))
            .trials[1]
            .job["name"]
            .get<std::string>(),
        std::string("s [nodes=[lab-a,lab-b]]"));
    for (const SweepTrial& t : plan.trials) {
      QVERIFY(!t.job.contains("sweep"));
      QCOMPARE(t.job["optimizer"]["type"].get<std::string>(), std::string("sgd"));  // kept
      QCOMPARE(t.job["model"]["template"].get<std::string>(), std::string("mlp"));
    }
    // Paths whose last parts are the same name trials in whole.
    QCOMPARE(
        planSweep(jobWith({{"parameters",
                            {{"optimizer.lr", {0.1}}, {"schedule.lr", {0.2}}, {"seed", {3}}}}}))
            .trials[0]
            .job["name"]
            .get<std::string>(),
        std::string("s [optimizer.lr=0.1, schedule.lr=0.2, seed=3]"));
    // A budget cuts the grid.
    QCOMPARE(planSweep(jobWith({{"trials", 3}, {"parameters", {{"seed", {1, 2, 3, 4, 5}}}}}))
                 .trials.size(),
             size_t{3});
  }

  // A 3 x 2 grid (precision fastest): trials 0 and 1 try both precisions with lr 0.01, 2 and 4
  // the other rates; 3 and 5 try nothing new.
  void aFewTrialsCoverEveryValue() {
    const nlohmann::json job = jobWith(
        {{"parameters",
          {{"optimizer.lr", {0.01, 0.1, 10}}, {"precision", {{"values", {"fp32", "bf16"}}}}}}});
    const SweepPlan plan = planSweep(job);
    QCOMPARE(plan.trials.size(), size_t{6});
    QCOMPARE(trialsCoveringEveryValue(plan), (std::vector<size_t>{0, 1, 2, 4}));
    // Where each trial's values are written in the block.
    QCOMPARE(sweepValueField(job, plan.trials[4], "optimizer.lr"),
             std::string("sweep.parameters.optimizer.lr[2]"));
    QCOMPARE(sweepValueField(job, plan.trials[3], "precision"),
             std::string("sweep.parameters.precision.values[1]"));
    // Drawn from a range, each trial's value is new; it is written as the range.
    const nlohmann::json random =
        jobWith({{"method", "random"},
                 {"trials", 5},
                 {"parameters", {{"optimizer.lr", {{"min", 0.001}, {"max", 1}}}}}});
    const SweepPlan drawn = planSweep(random);
    QCOMPARE(trialsCoveringEveryValue(drawn), (std::vector<size_t>{0, 1, 2, 3, 4}));
    QCOMPARE(sweepValueField(random, drawn.trials[3], "optimizer.lr"),
             std::string("sweep.parameters.optimizer.lr"));
  }

  void randomDrawsStayInTheirRangeAndRepeatWithTheSeed() {
    const auto sweep =
        nlohmann::json{{"method", "random"},
                       {"trials", 2000},
                       {"seed", 7},
                       {"parameters",
                        {{"optimizer.lr", {{"min", 1e-4}, {"max", 1.0}, {"scale", "log"}}},
                         {"batch", {{"min", 16}, {"max", 256}, {"integer", true}}},
                         {"precision", {{"values", {"fp32", "bf16"}}}}}}};
    const SweepPlan a = planSweep(jobWith(sweep)), b = planSweep(jobWith(sweep));
    std::vector<double> logs;
    int below = 0, bf16 = 0;
    for (size_t i = 0; i < a.trials.size(); ++i) {
      QCOMPARE(a.trials[i].job, b.trials[i].job);
      const double lr = a.trials[i].job["optimizer"]["lr"].get<double>();
      QVERIFY(lr >= 1e-4 && lr <= 1.0);
      logs.push_back(std::log10(lr));
      below += lr < 1e-2;  // log-uniform: half the draws below the geometric middle
      const auto& batch = a.trials[i].job["batch"];
      QVERIFY(batch.is_number_integer() && batch.get<int64_t>() >= 16 &&
              batch.get<int64_t>() <= 256);
      bf16 += a.trials[i].job["precision"] == "bf16";
    }
    QVERIFY2(std::abs(below - 1000) < 100, qPrintable(QString::number(below)));
    QVERIFY2(std::abs(bf16 - 1000) < 100, qPrintable(QString::number(bf16)));
    auto other = sweep;
    other["seed"] = 8;
    QVERIFY(planSweep(jobWith(other)).trials[0].job != a.trials[0].job);
  }

  void theMedianRuleStopsTrialsWorseThanTheFinishedOnes() {
    MedianStoppingRule rule({true, 3, 2});
    // Two finished trials: averages up to step 4 are 2.5 and 1.5, median 2.
    for (int64_t s = 1; s <= 4; ++s) {
      QVERIFY(!rule.report(0, s, 4.0 - double(s)));      // 3, 2, 1, 0: average 1.5
      QVERIFY(!rule.report(1, s, 4.0 - double(s) / 2));  // 3.5, 3, 2.5, 2: average 2.75 at 4
    }
    rule.finished(0);
    QVERIFY(!rule.report(2, 4, 9.0));  // one finished trial: fewer than min_trials
    rule.finished(1);
    // Before the grace period ends nothing stops.
    QVERIFY(!rule.report(3, 2, 100.0));
    // At step 4 the median of 1.5 and 2.75 is 2.125: a best of 2.2 is worse, 2.0 is not.
    const auto stopped = rule.report(4, 4, 2.2);
    QVERIFY(stopped.has_value());
    QCOMPARE(*stopped, 2.125);
    QVERIFY(!rule.report(5, 4, 2.0));
    // Its best so far counts, not its last value.
    QVERIFY(!rule.report(5, 5, 3.0));
    // A loss that is not a number is the worst.
    QVERIFY(rule.report(6, 4, std::numeric_limits<double>::quiet_NaN()).has_value());
    // Disabled: never.
    MedianStoppingRule off({false, 1, 1});
    off.report(0, 1, 1.0);
    off.finished(0);
    QVERIFY(!off.report(1, 1, 100.0));
  }
};

QTEST_APPLESS_MAIN(SweepTest)
#include "tst_sweep.moc"
