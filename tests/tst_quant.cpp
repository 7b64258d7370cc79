// int8 quantization: observers, the inference rewrite, int8 execution against an independent
// runtime (the QDQ export run by PyTorch operators in tests/onnx_torch_runtime.py), int8 model
// files, the accuracy-aware search, and bad input.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <fstream>

#include "core/random.h"
#include "data/dataset.h"
#include "exec/executor.h"
#include "graph/templates.h"
#include "io/model_file.h"
#include "io/onnx_export.h"
#include "io/onnx_import.h"
#include "quant/calibrator.h"
#include "quant/range_observer.h"
#include "quant/sensitivity.h"
#include "test_support.h"
#include "train/job_config.h"
#include "train/trainer.h"

using namespace twb;
using twb::test::errorOf;
using twb::test::relativeError;

namespace {
std::vector<float> run(const ModelSpec& spec, const ParameterStore& params,
                       const std::vector<float>& x, int64_t batch, const QuantPlan* quant = nullptr) {
  ParameterStore copy = params;
  Executor exec(Graph::build(spec, batch), copy,
                {ExecMode::infer, false, quant ? Precision::int8 : Precision::fp32, quant});
  std::copy(x.begin(), x.end(), static_cast<float*>(exec.inputBuffer(spec.inputs[0].name)));
  exec.forward();
  return exec.read(spec.outputs.empty() ? spec.nodes.back().name : spec.outputs[0]);
}

std::vector<float> randomSamples(const ModelSpec& spec, int64_t n, uint64_t seed) {
  std::vector<float> x(static_cast<size_t>(n * numel(spec.inputs[0].shape)));
  Random random(seed);
  for (float& v : x) v = random.normal();
  return x;
}

// Batch-norm statistics and scales that are not the identity, so folding has work to do.
void perturbBatchNorm(ParameterStore& params) {
  Random random(11);
  for (auto& p : params.all())
    if (p.name.find("bn") != std::string::npos || p.name.find("running") != std::string::npos)
      for (int64_t i = 0; i < p.value.numel(); ++i)
        p.value.data<float>()[i] = random.uniform(0.5f, 1.5f);
}

// Linear -> GELU -> Linear: the GELU fuses into the first Linear, which under int8 applies it to
// real values before scaling to its output's units.
ModelSpec geluMlp() {
  ModelSpec s;
  s.name = "gelu-mlp";
  s.inputs = {{"x", {16}, DType::f32}};
  s.nodes = {{"fc1", "Linear", {"x"}, {{"out_features", 32}}},
             {"gelu", "GELU", {"fc1"}, {}},
             {"fc2", "Linear", {"gelu"}, {{"out_features", 10}}}};
  s.outputs = {"fc2"};
  return s;
}

int64_t argmax(const float* row, int64_t n) {
  return std::max_element(row, row + n) - row;
}

// The logits of the exported ONNX file, computed by tests/onnx_torch_runtime.py.
std::vector<float> onnxRuntime(const QString& onnxPath, const std::vector<float>& x, int64_t batch,
                               size_t outputs) {
  QTemporaryDir dir;
  const QString in = dir.filePath("x.f32"), out = dir.filePath("y.f32");
  std::ofstream(in.toStdString(), std::ios::binary)
      .write(reinterpret_cast<const char*>(x.data()), static_cast<std::streamsize>(x.size() * 4));
  QProcess python;
  python.start("/usr/bin/python3", {QString(TWB_SOURCE_DIR) + "/tests/onnx_torch_runtime.py",
                                    onnxPath, in, QString::number(batch), out});
  if (!python.waitForFinished(300000) || python.exitCode() != 0)
    qFatal("onnx_torch_runtime.py failed: %s", python.readAllStandardError().constData());
  std::vector<float> y(outputs);
  std::ifstream(out.toStdString(), std::ios::binary)
      .read(reinterpret_cast<char*>(y.data()), static_cast<std::streamsize>(y.size() * 4));
  return y;
}
}  // namespace

class TestQuant : public QObject {
  Q_OBJECT
  // cnn-small trained for 400 steps on Fashion-MNIST: realistic activations for calibration.
  ModelFile m_cnn;
  std::shared_ptr<Dataset> m_test, m_train;

 private slots:
  void initTestCase() {
    JobConfig job = JobConfig::load(std::string(TWB_SOURCE_DIR) + "/resources/examples/fmnist-cnn.json");
    job.maxSteps = 400;
    // The example asks for 2 threads, which would stay set for the whole process; 0 leaves
    // OpenMP to OMP_NUM_THREADS (1 under TSan, which cannot see OpenMP's barriers).
    job.threads = 0;
    EventLog events;
    QTemporaryDir dir;
    const TrainResult r = train(job, {dir.path().toStdString(), "", nullptr, ""}, events);
    QVERIFY(r.testAccuracy > 0.8);
    m_cnn = loadModel(r.modelPath);
    const DatasetSplits data = openDataset("fashion-mnist");
    m_train = data.train;
    m_test = data.test;
  }

  void observersFindTheirThresholds() {
    // 100 000 magnitudes uniform in [0, 1) and one outlier at 50.
    std::vector<float> values(100001);
    Random random(5);
    for (size_t i = 0; i + 1 < values.size(); ++i) values[i] = random.uniform(0.f, 1.f);
    values.back() = 50.f;
    RangeObserver o;
    o.observeRange(values.data(), values.size());
    o.observeHistogram(values.data(), values.size());
    QCOMPARE(o.result(ObserverKind::minmax, 0).threshold, 50.f);
    QVERIFY(o.result(ObserverKind::minmax, 0).nonNegative);
    const float p = o.result(ObserverKind::percentile, 99.9).threshold;
    QVERIFY2(p > 0.97f && p < 1.03f, qPrintable(QString::number(p)));  // the outlier ignored
    const float e = o.result(ObserverKind::entropy, 0).threshold;
    // Clips the outlier too, as far as the search goes: at least 256 of the 2048 bins for u8.
    QVERIFY2(e >= 1.f && e <= 50.f * 257 / 2048, qPrintable(QString::number(e)));
    // A signed activation is s8 with scale threshold / 127.
    RangeObserver s;
    const float signedValues[] = {-2.f, 1.f, 0.5f};
    s.observeRange(signedValues, 3);
    const ActivationRange r = s.result(ObserverKind::minmax, 0);
    QVERIFY(!r.nonNegative);
    QCOMPARE(r.type(), DType::s8);
    QCOMPARE(r.scale(), 2.f / 127.f);
  }

  void localSchemeSharesScalesPerWindow() {
    const float w[] = {1, -2, 0.5f, 0.25f, 4, 1, -8, 0};  // 4 channels of 2
    const auto perChannel = weightScales(w, 4, 2, 1);
    QCOMPARE(perChannel[0], 2.f / 127);
    QCOMPARE(perChannel[1], 0.5f / 127);
    const auto local = weightScales(w, 4, 2, 2);
    QCOMPARE(local[0], 2.f / 127);
    QCOMPARE(local[1], 2.f / 127);
    QCOMPARE(local[2], 8.f / 127);
    QCOMPARE(local[3], 8.f / 127);
  }

  // Folding BatchNorm into convolutions and fusing ReLUs and ReLU6s computes the same function.
  void inferenceRewriteKeepsOutputs_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("resnet18-cifar (ReLU)") << "resnet18-cifar";
    QTest::newRow("mobilenet-v2-cifar (ReLU6)") << "mobilenet-v2-cifar";
    QTest::newRow("vit-tiny (GELU)") << "vit-tiny";
  }

  void inferenceRewriteKeepsOutputs() {
    QFETCH(QString, model);
    const ModelSpec spec = makeTemplate(model.toStdString(), {});
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 2);
    perturbBatchNorm(params);
    const InferenceModel folded = rewriteForInference(spec, params);
    int batchNorms = 0, relus = 0;
    for (const auto& n : folded.spec.nodes) {
      batchNorms += n.op == "BatchNorm2d";
      relus += n.op == "ReLU" || n.op == "ReLU6" || n.op == "GELU";
    }
    QCOMPARE(batchNorms, 0);
    QCOMPARE(relus, 0);
    const auto x = randomSamples(spec, 2, 3);
    const auto a = run(spec, params, x, 2), b = run(folded.spec, folded.params, x, 2);
    QVERIFY2(relativeError(b.data(), a.data(), static_cast<int64_t>(a.size())) < 1e-4,
             qPrintable(QString::number(relativeError(b.data(), a.data(), static_cast<int64_t>(a.size())))));
  }

  // int8 execution (int8 Conv2d, Linear, Add, pooling on int8, casts) against the QDQ export
  // evaluated by PyTorch operators: same logits up to a few int8 rounding flips, and the same
  // top-1 on at least 99 % of the samples.
  void int8MatchesTheQdqExportRunByPyTorch_data() {
    // Linears of the same integers agree with PyTorch's to rounding (a signed input's shift to
    // u8 off by one gave 0.016); convolutions round their requantization differently. The mlp
    // requantizes its hidden layers: under 1e-5 on an AVX2 EPYC (7-bit weights), 4.6e-4 with top-1
    // unchanged on an AVX512-VNNI one (8-bit weights, other sums), likely a hidden value
    // rounded to the other int8 at a tie; the bound stays 8 times under the shift bug's error.
    QTest::addColumn<QString>("model");
    QTest::addColumn<double>("tolerance");
    QTest::newRow("trained cnn-small") << "cnn" << 0.05;
    QTest::newRow("resnet18-cifar") << "resnet18-cifar" << 0.05;
    QTest::newRow("mlp (signed input into an int8 Linear)") << "mlp" << 2e-3;
    QTest::newRow("mobilenet-v2-cifar (ReLU6 fused, depthwise)") << "mobilenet-v2-cifar" << 0.05;
    QTest::newRow("Linear, GELU, Linear (GELU fused)") << "gelu-mlp" << 1e-5;
  }

  void int8MatchesTheQdqExportRunByPyTorch() {
    QFETCH(QString, model);
    QFETCH(double, tolerance);
    const bool cnn = model == "cnn";
    ModelFile fp32 = m_cnn;
    if (!cnn) {
      fp32.spec = model == "gelu-mlp" ? geluMlp() : makeTemplate(model.toStdString(), {});
      fp32.params = ParameterStore();
      fp32.params.ensure(Graph::build(fp32.spec, 1), 4);
      perturbBatchNorm(fp32.params);
    }
    const InferenceModel folded = rewriteForInference(fp32.spec, fp32.params);
    const int64_t n = cnn ? 1000 : 64;
    std::vector<float> x;
    if (cnn) {
      CalibrationOptions sampleAll;
      sampleAll.samples = n;
      x = calibrationSamples(folded, m_test, m_test->defaultNormalization(), sampleAll);
    } else {
      x = randomSamples(fp32.spec, n, 6);
    }
    CalibrationOptions options;
    options.samples = 256;
    const QuantPlan plan = calibrate(folded, cnn ? calibrationSamples(folded, m_train, m_train->defaultNormalization(), options)
                                                 : randomSamples(fp32.spec, 128, 7),
                                     options);
    QCOMPARE(plan.int8LayerCount(), static_cast<int64_t>(plan.layers.size()));
    const auto engine = run(folded.spec, folded.params, x, n, &plan);

    QTemporaryDir dir;
    const QString onnxPath = dir.filePath("int8.onnx");
    exportOnnx(onnxPath.toStdString(), folded.spec, folded.params, &plan);
    const auto reference = onnxRuntime(onnxPath, x, n, engine.size());
    const int64_t classes = static_cast<int64_t>(engine.size()) / n;
    int64_t agree = 0;
    for (int64_t i = 0; i < n; ++i)
      agree += argmax(&engine[i * classes], classes) == argmax(&reference[i * classes], classes);
    const double error = relativeError(engine.data(), reference.data(), static_cast<int64_t>(engine.size()));
    qInfo("%s: top-1 agreement %.2f %%, relative error %.3g", qPrintable(model), 100.0 * agree / n,
          error);
    QVERIFY(agree >= n * 99 / 100);
    QVERIFY2(error < tolerance, qPrintable(QString::number(error)));
    // And int8 is a real approximation of fp32, not a copy of it.
    const auto exact = run(folded.spec, folded.params, x, n);
    const double fromFp32 = relativeError(engine.data(), exact.data(), static_cast<int64_t>(exact.size()));
    QVERIFY(fromFp32 > 0 && fromFp32 < 0.2);
    // The export imports again as int8: every int8 layer with its weight scales, and in its
    // inference form (as predict, eval and bench run it) the engine's own int8 outputs.
    const ModelFile back = importOnnx(onnxPath.toStdString());
    QVERIFY(back.quant.has_value());
    QCOMPARE(back.quant->int8LayerCount(), plan.int8LayerCount());
    const InferenceModel backFolded = rewriteForInference(back.spec, back.params);
    const auto imported = run(backFolded.spec, backFolded.params, x, n, &*back.quant);
    const double fromExport = relativeError(imported.data(), engine.data(), static_cast<int64_t>(engine.size()));
    qInfo("%s: imported int8 against the engine's int8: relative error %.2g", qPrintable(model), fromExport);
    QVERIFY2(fromExport < 1e-3 * fromFp32, qPrintable(QString::number(fromExport)));
  }

  // An int8 model file keeps int8 weights (I8) and the plan; loading it gives the same outputs.
  void int8ModelFileRoundTrips() {
    const InferenceModel folded = rewriteForInference(m_cnn.spec, m_cnn.params);
    CalibrationOptions options;
    options.samples = 128;
    options.observer = "entropy";
    const QuantPlan plan = calibrate(folded, calibrationSamples(folded, m_train, m_train->defaultNormalization(), options), options);
    QTemporaryDir dir;
    const std::string path = dir.filePath("q.twbm").toStdString(), fp32Path = dir.filePath("f.twbm").toStdString();
    saveModel(path, folded.spec, folded.params, &plan);
    saveModel(fp32Path, m_cnn.spec, m_cnn.params);
    const double ratio = static_cast<double>(QFileInfo(QString::fromStdString(fp32Path)).size()) /
                         static_cast<double>(QFileInfo(QString::fromStdString(path)).size());
    QVERIFY2(ratio >= 3.9, qPrintable(QString::number(ratio)));
    const ModelFile loaded = loadModel(path);
    QVERIFY(loaded.quant.has_value());
    QCOMPARE(loaded.quant->observer, std::string("entropy"));
    const auto x = randomSamples(folded.spec, 8, 9);
    QCOMPARE(run(loaded.spec, loaded.params, x, 8, &*loaded.quant), run(folded.spec, folded.params, x, 8, &plan));
  }

  // Per-layer SQNR says how far it is, layer by layer, and stops when told to.
  void layerSqnrReportsProgressAndCanBeCancelled() {
    const InferenceModel folded = rewriteForInference(m_cnn.spec, m_cnn.params);
    CalibrationOptions options;
    options.samples = 64;
    const std::vector<float> samples =
        calibrationSamples(folded, m_train, m_train->defaultNormalization(), options);
    const QuantPlan plan = calibrate(folded, samples, options);
    std::vector<double> fractions;
    const auto sqnr = layerSqnr(folded, plan, samples, [&](double f) {
      fractions.push_back(f);
      return true;
    });
    QCOMPARE(sqnr.size(), plan.layers.size());
    QVERIFY(fractions.size() >= plan.layers.size());  // one per layer and chunk of samples
    QVERIFY(std::is_sorted(fractions.begin(), fractions.end()) && fractions.front() > 0);
    QCOMPARE(fractions.back(), 1.0);
    int calls = 0;
    const std::string cancelled =
        errorOf([&] { layerSqnr(folded, plan, samples, [&](double) { return ++calls < 2; }); });
    QCOMPARE(cancelled, std::string("quantization cancelled"));
    QCOMPARE(calls, 2);
  }

  // The accuracy-aware search moves the layer that costs most back to fp32 first and stops
  // as soon as the drop is within the bound.
  void accuracyAwareKeepsTheMostSensitiveLayer() {
    QuantPlan plan;
    for (const char* l : {"a", "b", "c"}) plan.layers[l] = {true, {1.f}};
    const std::map<std::string, double> cost{{"a", 0.001}, {"b", 0.02}, {"c", 0.004}};
    const AccuracyFunction accuracy = [&](const QuantPlan* q) {
      double acc = 0.9;
      if (q)
        for (const auto& [name, layer] : q->layers) acc -= layer.int8 ? cost.at(name) : 0;
      return acc;
    };
    const auto sqnr = std::map<std::string, double>{{"a", 30}, {"b", 20}, {"c", 25}};
    const AccuracyAwareResult r = analyseSensitivity(plan, sqnr, accuracy, 0.6);
    QCOMPARE(r.keptFp32, std::vector<std::string>{"b"});
    QVERIFY(r.reached);
    QVERIFY(std::abs(r.accuracyDelta.at("b") + 2.0) < 1e-9);
    QVERIFY(!plan.isInt8("b") && plan.isInt8("a") && plan.isInt8("c"));
    QuantPlan strict = plan;
    for (auto& [name, layer] : strict.layers) layer.int8 = true;
    const AccuracyAwareResult none = analyseSensitivity(strict, sqnr, accuracy, 0.0);
    QCOMPARE(none.keptFp32.size(), size_t(3));
    QVERIFY(!none.reached);  // only by giving up int8 altogether
  }

  void badInputIsRefusedClearly() {
    const InferenceModel folded = rewriteForInference(m_cnn.spec, m_cnn.params);
    CalibrationOptions options;
    const auto cifarShaped = openDataset("synthetic:3x32x32:10").train;
    const std::string shape = errorOf([&] {
      calibrationSamples(folded, cifarShaped, {}, options);
    });
    QVERIFY2(shape.find("[3, 32, 32]") != std::string::npos &&
                 shape.find("[1, 28, 28]") != std::string::npos && shape.find("'image'") != std::string::npos,
             shape.c_str());
    options.samples = 0;
    const std::string none = errorOf([&] { calibrationSamples(folded, m_train, {}, options); });
    QVERIFY2(none.find("at least 1 sample") != std::string::npos, none.c_str());
    options.samples = 4;
    options.observer = "kl";
    const std::string observer = errorOf([&] { calibrate(folded, std::vector<float>(4 * 784), options); });
    QVERIFY2(observer.find("'kl'") != std::string::npos, observer.c_str());
    QVERIFY(errorOf([&] {
              Executor exec(Graph::build(folded.spec, 1), const_cast<ParameterStore&>(folded.params),
                            {ExecMode::infer, false, Precision::int8, nullptr});
            }).find("twb-engine quantize") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestQuant)
#include "tst_quant.moc"
