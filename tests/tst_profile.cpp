// The per-layer profiler: its rows add up to the measured step, profile events carry every
// layer, and the Chrome trace is valid Trace Event JSON with a slice per node per profiled step.
#include <QTemporaryDir>
#include <QtTest>
#include <fstream>
#include <map>

#include "graph/templates.h"
#include "profile/step_benchmark.h"
#include "profile/step_profile.h"
#include "test_support.h"
#include "train/optimizer.h"
#include "train/trainer.h"

using namespace twb;

class TestProfile : public QObject {
  Q_OBJECT
 private slots:
  void rowsAddUpToTheStep_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<int>("precision");
    QTest::newRow("cnn-small fp32") << "cnn-small" << int(Precision::fp32);
    QTest::newRow("cnn-small bf16") << "cnn-small" << int(Precision::bf16);
    QTest::newRow("mlp fp32") << "mlp" << int(Precision::fp32);
  }

  void rowsAddUpToTheStep() {
    QFETCH(QString, model);
    QFETCH(int, precision);
    if (precision == int(Precision::bf16)) TWB_SKIP_WITHOUT_BF16();
    const auto sgd = makeOptimizer(OptimizerConfig{});
    const StepBenchmarkResult r = benchmarkSteps(
        makeTemplate(model.toStdString(), {}),
        {64, 2, 1, true, static_cast<Precision>(precision), 3, nullptr, nullptr,
         [&](std::vector<Parameter>& params) { sgd->step(params, 0.01f); }});
    QCOMPARE(r.profiles.size(), size_t(3));
    for (const auto& p : r.profiles) {
      const double gap = std::abs(p.accountedMs() - p.stepMs) / p.stepMs;
      QVERIFY2(gap <= 0.10, (std::to_string(p.accountedMs()) + " ms of rows vs " +
                             std::to_string(p.stepMs) + " ms step").c_str());
      double flops = 0;
      for (const auto& l : p.layers) {
        QVERIFY(l.forwardMs > 0);
        flops += l.flops;
      }
      QVERIFY(p.optimizerMs > 0);
      const auto json = p.toJson();
      QCOMPARE(json["layers"].size(), p.layers.size());
      QVERIFY(flops > 0);
    }
    const std::string expected = precision == int(Precision::bf16) ? "bf16" : "f32";
    QCOMPARE(r.profiles[0].layers[0].precision, expected);  // conv1 / flatten
  }

  // Names as an imported model has them stay whole, and every row's columns start where the
  // header's do.
  void theTableShowsWholeNames() {
    StepProfile p;
    p.stepMs = 3;
    const std::vector<std::string> names{"/pool/GlobalAveragePool_output_0",
                                         "/pool/GlobalAveragePool_output_0_flat", "fc"};
    for (const auto& name : names) p.layers.push_back({name, "Conv2d", "f32", "", {8, 4}, 0, 1});
    const QStringList lines = QString::fromStdString(p.table()).split('\n');
    const qsizetype opColumn = lines[0].indexOf(" op ") + 1;
    for (size_t i = 0; i < names.size(); ++i) {
      const QString& row = lines[qsizetype(i) + 1];
      QVERIFY2(row.startsWith("  " + QString::fromStdString(names[i]) + " "), qPrintable(row));
      QCOMPARE(row.indexOf("Conv2d"), opColumn);
    }
  }

  void trainingEmitsProfilesAndATrace() {
    QTemporaryDir dir;
    nlohmann::json job = {{"model", {{"template", "cnn-small"}, {"args", {{"input", {1, 12, 12}}}}}},
                          {"dataset", "synthetic:1x12x12:10"},
                          {"batch", 50},
                          {"max_steps", 20},
                          {"epochs", 0},
                          {"profile", {{"every_steps", 5}}}};
    std::vector<nlohmann::json> profiles;
    EventLog events;
    events.addListener([&](const nlohmann::json& e) {
      if (e["type"] == "profile") profiles.push_back(e);
    });
    const std::string trace = dir.filePath("trace.json").toStdString();
    train(JobConfig::fromJson(job), {"", "", nullptr, trace}, events);
    QCOMPARE(profiles.size(), size_t(4));  // steps 5, 10, 15, 20
    QCOMPARE(profiles[1]["step"].get<int>(), 10);
    QCOMPARE(profiles[0]["layers"].size(), size_t(11));  // 10 nodes and the loss

    std::ifstream in(trace);
    const auto doc = nlohmann::json::parse(in);  // throws, failing the test, unless valid JSON
    std::map<std::string, std::string> kernels;  // what computed each layer, by its profile
    for (const auto& l : profiles[0]["layers"]) kernels[l["name"]] = l["kernel"];
    QVERIFY(!kernels.at("conv1").empty());
    std::map<std::string, int> forwardSlices;
    for (const auto& e : doc["traceEvents"]) {
      QVERIFY(e.contains("ph") && e.contains("pid") && e.contains("name"));
      if (e["ph"] != "X") continue;
      QVERIFY(e["ts"].is_number() && e["dur"].get<double>() >= 0);
      if (e["cat"] != "forward") continue;
      ++forwardSlices[e["name"]];
      const std::string& kernel = kernels.at(e["name"]);
      if (!kernel.empty()) QCOMPARE(e["args"].value("kernel", ""), kernel);
    }
    QCOMPARE(forwardSlices.size(), size_t(11));
    for (const auto& [name, count] : forwardSlices) QCOMPARE(count, 4);
  }
};

QTEST_APPLESS_MAIN(TestProfile)
#include "tst_profile.moc"
