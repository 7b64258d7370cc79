// int8 quantization: observers, the inference rewrite, int8 execution against an independent
// runtime (the QDQ export run by PyTorch operators in tests/onnx_torch_runtime.py), int8 model
// files, the accuracy-aware search, and bad input.
#include <QProcess>
#include <QTemporaryDir>
#include <QtTest>
#include <algorithm>
#include <fstream>

#include "backend/cpu/convolution_patches.h"
#include "backend/cpu/winograd_int8_conv3x3.h"
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

// Convolutions and Linears followed by SiLU and Hardswish (EfficientNet's and MobileNetV3's
// activations), which inference fuses into them.
ModelSpec swishCnn() {
  ModelSpec s;
  s.name = "swish-cnn";
  s.inputs = {{"image", {3, 12, 12}, DType::f32}};
  s.nodes = {{"conv1", "Conv2d", {"image"}, {{"out_channels", 16}, {"kernel", 3}, {"padding", 1}}},
             {"bn1", "BatchNorm2d", {"conv1"}, {}},
             {"silu1", "SiLU", {"bn1"}, {}},
             {"conv2", "Conv2d", {"silu1"}, {{"out_channels", 16}, {"kernel", 3}, {"stride", 2}}},
             {"hswish2", "Hardswish", {"conv2"}, {}},
             {"pool", "GlobalAvgPool", {"hswish2"}, {}},
             {"fc1", "Linear", {"pool"}, {{"out_features", 24}}},
             {"silu3", "SiLU", {"fc1"}, {}},
             {"fc2", "Linear", {"silu3"}, {{"out_features", 10}}}};
  s.outputs = {"fc2"};
  return s;
}

// A model of the tests by name: a template, or one of the specs above.
ModelSpec modelNamed(const QString& name) {
  if (name == "gelu-mlp") return geluMlp();
  if (name == "swish-cnn") return swishCnn();
  return makeTemplate(name.toStdString(), {});
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
// n integers drawn uniformly from [lo, hi].
std::vector<int64_t> randomIntegers(Random& random, size_t n, int lo, int hi) {
  std::vector<int64_t> q(n);
  for (auto& v : q)
    v = lo + static_cast<int64_t>(random.uniform(0.f, 1.f) * (hi - lo + 1)) % (hi - lo + 1);
  return q;
}

// Conv2d 3x3 (in to mid channels, ReLU fused) and, when out > 0, a second one (mid to out)
// reading it: integer weights and inputs at full range for the int8 kernels' exactness check.
ModelSpec threeByThreePair(int in, int mid, int out, int height, int width, int stride) {
  ModelSpec s;
  s.name = "three-by-three-pair";
  s.inputs = {{"image", {in, height, width}, DType::f32}};
  const auto conv = [](const char* name, const char* input, int channels, const char* activation,
                       int step) {
    return NodeSpec{name,
                    "Conv2d",
                    {input},
                    {{"out_channels", channels},
                     {"kernel", 3},
                     {"padding", 1},
                     {"stride", step},
                     {"activation", activation}}};
  };
  s.nodes = {conv("conv1", "image", mid, out > 0 ? "relu" : "none", stride)};
  if (out > 0) s.nodes.push_back(conv("conv2", "conv1", out, "none", 1));
  s.outputs = {s.nodes.back().name};
  return s;
}

// The direct convolution of integer values: in (in, H, W), w (out, in, kernel, kernel), padding
// (kernel - 1) / 2.
std::vector<int64_t> integerConvolution(const std::vector<int64_t>& x,
                                        const std::vector<int64_t>& w, int64_t in, int64_t out,
                                        int64_t height, int64_t width, int64_t stride = 1,
                                        int64_t kernel = 3) {
  const int64_t pad = (kernel - 1) / 2;
  const int64_t outHeight = (height - 1) / stride + 1, outWidth = (width - 1) / stride + 1;
  std::vector<int64_t> acc(static_cast<size_t>(out * outHeight * outWidth), 0);
  for (int64_t k = 0; k < out; ++k)
    for (int64_t y = 0; y < outHeight; ++y)
      for (int64_t x0 = 0; x0 < outWidth; ++x0)
        for (int64_t c = 0; c < in; ++c)
          for (int64_t i = 0; i < kernel; ++i)
            for (int64_t j = 0; j < kernel; ++j) {
              const int64_t row = y * stride + i - pad, column = x0 * stride + j - pad;
              if (row < 0 || row >= height || column < 0 || column >= width) continue;
              acc[static_cast<size_t>((k * outHeight + y) * outWidth + x0)] +=
                  w[static_cast<size_t>(((k * in + c) * kernel + i) * kernel + j)] *
                  x[static_cast<size_t>((c * height + row) * width + column)];
            }
  return acc;
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

  // Folding BatchNorm into convolutions and fusing ReLUs, ReLU6s, GELUs, SiLUs and Hardswishes
  // computes the same function.
  void inferenceRewriteKeepsOutputs_data() {
    QTest::addColumn<QString>("model");
    QTest::newRow("resnet18-cifar (ReLU)") << "resnet18-cifar";
    QTest::newRow("mobilenet-v2-cifar (ReLU6)") << "mobilenet-v2-cifar";
    QTest::newRow("vit-tiny (GELU)") << "vit-tiny";
    QTest::newRow("swish-cnn (SiLU, Hardswish)") << "swish-cnn";
  }

  void inferenceRewriteKeepsOutputs() {
    QFETCH(QString, model);
    const ModelSpec spec = modelNamed(model);
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 2);
    perturbBatchNorm(params);
    const InferenceModel folded = rewriteForInference(spec, params);
    int batchNorms = 0, relus = 0;
    for (const auto& n : folded.spec.nodes) {
      batchNorms += n.op == "BatchNorm2d";
      relus += n.op == "ReLU" || n.op == "ReLU6" || n.op == "GELU" || n.op == "SiLU" ||
               n.op == "Hardswish";
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
    QTest::newRow("SiLU and Hardswish fused into convolutions and a Linear") << "swish-cnn" << 0.05;
  }

  void int8MatchesTheQdqExportRunByPyTorch() {
    QFETCH(QString, model);
    QFETCH(double, tolerance);
    const bool cnn = model == "cnn";
    ModelFile fp32 = m_cnn;
    if (!cnn) {
      fp32.spec = modelNamed(model);
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

  void int8ThreeByThreeConvolutionsSumExactly_data() {
    QTest::addColumn<bool>("signedInput");
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("out");
    QTest::addColumn<bool>("largestTransform");
    QTest::addColumn<int>("stride");
    QTest::newRow("s8 image, f32 output, partial tiles") << true << 32 << 0 << false << 1;
    QTest::newRow("u8 image, u8 through a ReLU into a second convolution")
        << false << 32 << 16 << false << 1;
    // Every channel's first tile and kernel chosen so that the input and kernel transforms
    // both reach their bound at the same point: 128 channels of those products pass 2^31.
    QTest::newRow("u8 image, the largest products of the transforms")
        << false << 128 << 0 << true << 1;
    QTest::newRow("stride 2, s8 image, f32 output") << true << 32 << 0 << false << 2;
    QTest::newRow("stride 2, u8 image, u8 through a ReLU into a second convolution")
        << false << 32 << 16 << false << 2;
  }

  // int8 3x3 convolutions give the sums of their integers exactly. On a CPU without VNNI they run
  // as Winograd's F(4x4, 3x3) in integers (backend/cpu/winograd_int8_conv3x3.h); oneDNN's direct
  // kernel there adds u8 x s8 pairs in s16, which saturates at full-range values (half the
  // outputs of ResNet-50's shapes off in a harness) and halves the weights of an s8 input.
  // Scales are powers of two and biases whole multiples of them, so every step after the sum is
  // exact in float too, and the reference below is the kernels' formula on exact sums:
  // q = round(clamp((acc + bias / (s_x s_w)) * s_x s_w / s_y)).
  void int8ThreeByThreeConvolutionsSumExactly() {
    QFETCH(bool, signedInput);
    QFETCH(int, in);
    QFETCH(int, out);
    QFETCH(bool, largestTransform);
    QFETCH(int, stride);
    // 80: more channels than one s32 sum takes. At stride 2, 8x7 outputs: the polyphase form
    // declines an odd number of 2x2 blocks unless it still saves a fifth of the products.
    const int64_t mid = 80, height = stride == 1 ? 9 : 16, width = stride == 1 ? 7 : 14;
    const int64_t outHeight = (height - 1) / stride + 1, outWidth = (width - 1) / stride + 1;
    const ModelSpec spec = threeByThreePair(in, mid, out, height, width, stride);
    const float sx = 1.f / 16, sw = 1.f / 128, s1 = 0.5f;
    QuantPlan plan;
    plan.activations["image"] = {sx * (signedInput ? 127.f : 255.f), !signedInput};
    plan.activations["conv1"] = {s1 * 255.f, true};
    plan.layers["conv1"] = {true, std::vector<float>(mid, sw)};
    if (out > 0) plan.layers["conv2"] = {true, std::vector<float>(out, sw)};

    Random random(3);
    const auto integers = [&](size_t n, int lo, int hi) {
      return randomIntegers(random, n, lo, hi);
    };
    auto qx = integers(static_cast<size_t>(in * height * width), signedInput ? -127 : 0,
                       signedInput ? 127 : 255);
    if (largestTransform) {
      // Row 3 of F(4, 3)'s B^T, (0, -2, -1, 2, 1, 0), on both axes of the tile at (-1, -1):
      // 255 where the coefficient's product is positive, 0 where negative.
      const int sign[6] = {0, -1, -1, 1, 1, 0};
      for (int64_t c = 0; c < in; ++c)
        for (int y = 0; y < 5; ++y)
          for (int x = 0; x < 5; ++x)
            qx[static_cast<size_t>((c * height + y) * width + x)] =
                sign[y + 1] * sign[x + 1] > 0 ? 255 : 0;
    }
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 5);
    const auto setLayer = [&](const char* name, int64_t channels, int64_t inputs, float sIn) {
      // The kernel's transform is largest where all weights are 127 (row 3 of D G is 1, 2, 4).
      const auto qw = largestTransform
                          ? std::vector<int64_t>(static_cast<size_t>(channels * inputs * 9), 127)
                          : integers(static_cast<size_t>(channels * inputs * 9), -127, 127);
      const auto qb = integers(static_cast<size_t>(channels), -20000, 20000);
      float* w = params.find(std::string(name) + ".weight")->value.data<float>();
      float* b = params.find(std::string(name) + ".bias")->value.data<float>();
      for (size_t i = 0; i < qw.size(); ++i) w[i] = static_cast<float>(qw[i]) * sw;
      for (size_t i = 0; i < qb.size(); ++i) b[i] = static_cast<float>(qb[i]) * sIn * sw;
      return std::make_pair(qw, qb);
    };
    const auto [w1, b1] = setLayer("conv1", mid, in, sx);
    std::vector<float> x(qx.size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(qx[i]) * sx;

    // conv1: to u8 in units of s1 when conv2 reads it, else f32.
    const auto acc1 = integerConvolution(qx, w1, in, mid, height, width, stride);
    std::vector<int64_t> q1(acc1.size());
    std::vector<float> reference(acc1.size());
    const int64_t pixels = outHeight * outWidth;
    for (size_t i = 0; i < acc1.size(); ++i) {
      const float sum = static_cast<float>(acc1[i] + b1[i / static_cast<size_t>(pixels)]);
      reference[i] = sum * sx * sw;
      q1[i] = static_cast<int64_t>(std::nearbyint(std::clamp(sum * (sx * sw / s1), 0.f, 255.f)));
    }
    if (out > 0) {
      const auto [w2, b2] = setLayer("conv2", out, mid, s1);
      const auto acc2 = integerConvolution(q1, w2, mid, out, outHeight, outWidth);
      reference.resize(acc2.size());
      for (size_t i = 0; i < acc2.size(); ++i)
        reference[i] =
            static_cast<float>(acc2[i] + b2[i / static_cast<size_t>(pixels)]) * (s1 * sw);
    }

    Executor exec(Graph::build(spec, 1), params, {ExecMode::infer, false, Precision::int8, &plan});
    std::copy(x.begin(), x.end(), static_cast<float*>(exec.inputBuffer("image")));
    exec.forward();
    const std::vector<float> ours = exec.read(spec.outputs[0]);
    int64_t worst = 0;
    const double error =
        relativeError(ours.data(), reference.data(), static_cast<int64_t>(ours.size()), &worst);
    qInfo("kernel %s: relative error %.3g (worst at %lld: %g against %g)",
          exec.nodeTimings()[0].kernel.c_str(), error, static_cast<long long>(worst), ours[worst],
          reference[worst]);
    QVERIFY2(error <= 1e-7, qPrintable(QString::number(error)));
    const WinogradInt8Conv3x3::Shape shape{
        1,
        in,
        mid,
        height,
        width,
        signedInput ? WinogradInt8Conv3x3::Type::s8 : WinogradInt8Conv3x3::Type::u8,
        WinogradInt8Conv3x3::Type::f32,
        stride};
    QCOMPARE(exec.nodeTimings()[0].kernel.rfind("winograd", 0) == 0,
             WinogradInt8Conv3x3::supports(shape));
  }

  // An int8 convolution of fewer than 4 input channels runs as a 1x1 convolution over its
  // input's patches on CPUs without VNNI, with the direct sum's results: ResNet's stem (an s8
  // image, 7x7, stride 2, padding 3, edges where the kernel overhangs on every side) and a
  // two-channel 7x7 layer on a u8 image; a one-channel 3x3 layer stays direct (too few values
  // under its kernel), with the same results.
  void int8ConvolutionsOfFewChannelsSumExactly_data() {
    QTest::addColumn<int>("in");
    QTest::addColumn<int>("kernel");
    QTest::addColumn<int>("stride");
    QTest::addColumn<bool>("signedInput");
    QTest::newRow("7x7 stem, stride 2, s8") << 3 << 7 << 2 << true;
    QTest::newRow("7x7, two channels, u8") << 2 << 7 << 1 << false;
    QTest::newRow("3x3, one channel, u8 (direct)") << 1 << 3 << 1 << false;
  }

  void int8ConvolutionsOfFewChannelsSumExactly() {
    QFETCH(int, in);
    QFETCH(int, kernel);
    QFETCH(int, stride);
    QFETCH(bool, signedInput);
    const int64_t out = 24, height = 13, width = 11, batch = 3;
    const int64_t outHeight = (height - 1) / stride + 1, outWidth = (width - 1) / stride + 1;
    ModelSpec spec;
    spec.name = "first-layer";
    spec.inputs = {{"image", {in, height, width}, DType::f32}};
    spec.nodes = {{"conv",
                   "Conv2d",
                   {"image"},
                   {{"out_channels", out},
                    {"kernel", kernel},
                    {"stride", stride},
                    {"padding", (kernel - 1) / 2}}}};
    spec.outputs = {"conv"};
    const float sx = 1.f / 16, sw = 1.f / 128;
    QuantPlan plan;
    plan.activations["image"] = {sx * (signedInput ? 127.f : 255.f), !signedInput};
    plan.layers["conv"] = {true, std::vector<float>(static_cast<size_t>(out), sw)};
    Random random(12);
    const auto integers = [&](size_t n, int lo, int hi) {
      return randomIntegers(random, n, lo, hi);
    };
    // Weights within 63 levels, which a u8 input's kernels multiply exactly; even ones for an
    // s8 input, whose kernels halve the weights on CPUs without VNNI (exact only for even ones).
    auto qw = integers(static_cast<size_t>(out * in * kernel * kernel), -63, 63);
    if (signedInput)
      for (auto& v : qw) v *= 2;
    const auto qb = integers(static_cast<size_t>(out), -3000, 3000);
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 5);
    float* w = params.find("conv.weight")->value.data<float>();
    float* b = params.find("conv.bias")->value.data<float>();
    for (size_t i = 0; i < qw.size(); ++i) w[i] = static_cast<float>(qw[i]) * sw;
    for (size_t i = 0; i < qb.size(); ++i) b[i] = static_cast<float>(qb[i]) * sx * sw;
    const int64_t image = in * height * width, outImage = out * outHeight * outWidth;
    std::vector<float> x(static_cast<size_t>(batch * image)), reference;
    for (int64_t n = 0; n < batch; ++n) {
      const auto qx =
          integers(static_cast<size_t>(image), signedInput ? -127 : 0, signedInput ? 127 : 255);
      for (int64_t i = 0; i < image; ++i)
        x[static_cast<size_t>(n * image + i)] = static_cast<float>(qx[static_cast<size_t>(i)]) * sx;
      const auto acc = integerConvolution(qx, qw, in, out, height, width, stride, kernel);
      for (int64_t i = 0; i < outImage; ++i)
        reference.push_back(
            static_cast<float>(acc[static_cast<size_t>(i)] +
                               qb[static_cast<size_t>(i / (outHeight * outWidth))]) *
            (sx * sw));
    }
    const auto ours = run(spec, params, x, batch, &plan);
    const double error =
        relativeError(ours.data(), reference.data(), static_cast<int64_t>(ours.size()));
    QVERIFY2(error == 0, qPrintable(QString::number(error)));
    Executor exec(Graph::build(spec, batch), params,
                  {ExecMode::infer, false, Precision::int8, &plan});
    const ConvolutionPatches::Shape shape{in,        height,           width,
                                          kernel,    kernel,           stride,
                                          stride,    (kernel - 1) / 2, (kernel - 1) / 2,
                                          outHeight, outWidth};
    QCOMPARE(exec.nodeTimings()[0].kernel.rfind("patches", 0) == 0,
             ConvolutionPatches::supports(shape));
  }

  // A calibrated 1x1 convolution reading a u8 value sums its integers exactly: on a CPU without
  // VNNI the calibrator gives it 7-bit weights (int8WeightLevels), whose u8 x s8 pairs oneDNN's
  // direct kernel adds in s16 without saturating (8-bit ones saturated them).
  void calibratedPointwiseConvolutionsSumExactly() {
    const int64_t in = 32, out = 48, height = 6, width = 5, batch = 4, pixels = height * width;
    ModelSpec spec;
    spec.name = "pointwise";
    spec.inputs = {{"image", {in, height, width}, DType::f32}};
    spec.nodes = {{"conv", "Conv2d", {"image"}, {{"out_channels", out}, {"kernel", 1}}}};
    spec.outputs = {"conv"};
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 5);
    const InferenceModel model = rewriteForInference(spec, params);
    // Pixels are whole multiples of 1/16 up to 255/16: the input's u8 scale is 1/16, and
    // quantizing it is exact.
    Random random(8);
    std::vector<float> x(static_cast<size_t>(batch * in * pixels));
    for (float& v : x) v = std::floor(random.uniform(0.f, 256.f)) / 16;
    x[0] = 255.f / 16;
    CalibrationOptions options;
    options.samples = batch;
    const QuantPlan plan = calibrate(model, x, options);
    QCOMPARE(plan.range("image").scale(), 1.f / 16);
    const std::vector<float>& scales = plan.layers.at("conv").weightScales;
    const Tensor q = toInt8Weights(model.params.find("conv.weight")->value, scales);
    const float* bias = model.params.find("conv.bias")->value.data<float>();
    std::vector<float> reference(static_cast<size_t>(batch * out * pixels));
    for (int64_t n = 0; n < batch; ++n)
      for (int64_t k = 0; k < out; ++k)
        for (int64_t p = 0; p < pixels; ++p) {
          int64_t acc = 0;
          for (int64_t c = 0; c < in; ++c)
            acc += int64_t{q.data<int8_t>()[k * in + c]} *
                   static_cast<int64_t>(x[static_cast<size_t>((n * in + c) * pixels + p)] * 16);
          reference[static_cast<size_t>((n * out + k) * pixels + p)] =
              static_cast<float>(double(acc) * scales[static_cast<size_t>(k)] / 16 + bias[k]);
        }
    const auto ours = run(model.spec, model.params, x, batch, &plan);
    const double error =
        relativeError(ours.data(), reference.data(), static_cast<int64_t>(ours.size()));
    QVERIFY2(error <= 1e-6, qPrintable(QString::number(error)));
  }

  // A residual block's last convolution adds the shortcut inside its own primitive, into the
  // shortcut's buffer, in the sum's units: without rounding its own result to int8 first. Scales
  // are powers of two, so every product is exact and the reference rounds where the kernel does.
  void int8ShortcutIsSummedInsideTheConvolution_data() {
    QTest::addColumn<bool>("signedShortcut");  // s8 (no ReLU before it), else u8
    QTest::newRow("u8 shortcut") << false;
    QTest::newRow("s8 shortcut into a u8 sum") << true;
  }

  void int8ShortcutIsSummedInsideTheConvolution() {
    QFETCH(bool, signedShortcut);
    const int64_t in = 8, wide = 24, narrow = 16, pixels = 5 * 4;
    ModelSpec spec;
    spec.name = "bottleneck";
    spec.inputs = {{"image", {in, 5, 4}, DType::f32}};
    const auto pointwise = [](const char* name, const char* input, int64_t out,
                              const char* activation) {
      return NodeSpec{name,
                      "Conv2d",
                      {input},
                      {{"out_channels", out}, {"kernel", 1}, {"activation", activation}}};
    };
    // The shortcut is read by the sum alone, as ResNet's projections are: an s8 value read by
    // a convolution would take oneDNN's halved weights on CPUs without VNNI, inexact.
    spec.nodes = {pointwise("shortcut", "image", wide, signedShortcut ? "none" : "relu"),
                  pointwise("reduce", "image", narrow, "relu"),
                  pointwise("project", "reduce", wide, "none"),
                  {"sum", "Add", {"project", "shortcut"}, {{"activation", "relu"}}},
                  {"pool", "GlobalAvgPool", {"sum"}, {}}};
    spec.outputs = {"pool"};
    // Real value = q * scale: the image 1/16, weights 1/128, shortcut 1/8, reduce 1/2, project 1/4
    // (rounding it there would lose its last four bits), sum 1/4.
    const float sx = 1.f / 16, sw = 1.f / 128, sr = 1.f / 8, s1 = 1.f / 2, sp = 1.f / 4,
                sz = 1.f / 4;
    QuantPlan plan;
    plan.activations["image"] = {sx * 255.f, true};
    plan.activations["shortcut"] = {signedShortcut ? sr * 127.f : sr * 255.f, !signedShortcut};
    plan.activations["reduce"] = {s1 * 255.f, true};
    plan.activations["project"] = {sp * 127.f, false};
    plan.activations["sum"] = {sz * 255.f, true};
    for (const char* layer : {"shortcut", "reduce", "project"})
      plan.layers[layer] = {
          true, std::vector<float>(
                    static_cast<size_t>(std::string(layer) == "reduce" ? narrow : wide), sw)};

    Random random(9);
    const auto integers = [&](size_t n, int lo, int hi) {
      return randomIntegers(random, n, lo, hi);
    };
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 5);
    // Weights within 63 levels, which every CPU's u8-input kernels multiply exactly; returns
    // acc + bias in the accumulator's units, per (channel, pixel).
    const auto layer = [&](const char* name, const std::vector<int64_t>& qIn, int64_t inputs,
                           int64_t outputs, float sIn) {
      const auto qw = integers(static_cast<size_t>(outputs * inputs), -63, 63);
      const auto qb = integers(static_cast<size_t>(outputs), -3000, 3000);
      float* w = params.find(std::string(name) + ".weight")->value.data<float>();
      float* b = params.find(std::string(name) + ".bias")->value.data<float>();
      for (size_t i = 0; i < qw.size(); ++i) w[i] = static_cast<float>(qw[i]) * sw;
      for (size_t i = 0; i < qb.size(); ++i) b[i] = static_cast<float>(qb[i]) * sIn * sw;
      std::vector<int64_t> acc(static_cast<size_t>(outputs * pixels));
      for (int64_t k = 0; k < outputs; ++k)
        for (int64_t p = 0; p < pixels; ++p) {
          int64_t a = qb[static_cast<size_t>(k)];
          for (int64_t c = 0; c < inputs; ++c)
            a += qw[static_cast<size_t>(k * inputs + c)] * qIn[static_cast<size_t>(c * pixels + p)];
          acc[static_cast<size_t>(k * pixels + p)] = a;
        }
      return acc;
    };
    const auto requantize = [](const std::vector<int64_t>& acc, float scale, int lo, int hi) {
      std::vector<int64_t> q(acc.size());
      for (size_t i = 0; i < acc.size(); ++i)
        q[i] = static_cast<int64_t>(
            std::nearbyint(std::clamp(static_cast<float>(acc[i]) * scale, float(lo), float(hi))));
      return q;
    };
    const auto qx = integers(static_cast<size_t>(in * pixels), 0, 255);
    const auto qr = requantize(layer("shortcut", qx, in, wide, sx), sx * sw / sr,
                               signedShortcut ? -128 : 0, signedShortcut ? 127 : 255);
    const auto q1 = requantize(layer("reduce", qx, in, narrow, sx), sx * sw / s1, 0, 255);
    const auto accP = layer("project", q1, narrow, wide, s1);
    std::vector<float> reference(accP.size());
    for (size_t i = 0; i < accP.size(); ++i)
      reference[i] = sz * std::nearbyint(std::clamp(static_cast<float>(accP[i]) * (s1 * sw / sz) +
                                                        static_cast<float>(qr[i]) * (sr / sz),
                                                    0.f, 255.f));

    ExecOptions int8{ExecMode::infer, false, Precision::int8, &plan};
    int8.keepEveryValue = true;  // the sum is read
    Executor exec(Graph::build(spec, 1), params, int8);
    std::vector<float> x(qx.size());
    for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(qx[i]) * sx;
    std::copy(x.begin(), x.end(), static_cast<float*>(exec.inputBuffer("image")));
    exec.forward();
    const Graph& g = exec.graph();
    QCOMPARE(
        exec.nodeTimings()[static_cast<size_t>(g.values()[g.valueIndex("sum")].producer)].kernel,
        std::string("in project"));
    const std::vector<float> ours = exec.read("sum");
    int64_t worst = 0;
    const double error =
        relativeError(ours.data(), reference.data(), static_cast<int64_t>(ours.size()), &worst);
    QVERIFY2(error == 0, qPrintable(QString("relative error %1 (at %2: %3 against %4)")
                                        .arg(error)
                                        .arg(worst)
                                        .arg(ours[static_cast<size_t>(worst)])
                                        .arg(reference[static_cast<size_t>(worst)])));
    QVERIFY_THROWS_EXCEPTION(Error, exec.read("shortcut"));  // its buffer holds the sum now
  }

  void aPlanFromAMoreExactCpuRunsWithinThisOnesKernels_data() {
    QTest::addColumn<QString>("op");
    QTest::newRow("Linear") << "Linear";
    QTest::newRow("1x1 Conv2d") << "Conv2d";
  }

  // A plan calibrated where the kernels multiply 8-bit weights exactly (with VNNI) runs on this
  // CPU as well: without VNNI the executor widens the scales of weights whose u8 x s8 pairs the
  // kernels would saturate (weightScalesWithin), so the outputs stay near the fp32 model's
  // (saturated, they were 24-26 % off on full-range inputs).
  void aPlanFromAMoreExactCpuRunsWithinThisOnesKernels() {
    QFETCH(QString, op);
    const bool linear = op == "Linear";
    const int64_t in = 32, out = 48, batch = 16;
    ModelSpec spec;
    spec.name = "eight-bit-plan";
    spec.inputs = {{"x", linear ? Shape{in} : Shape{in, 6, 5}, DType::f32}};
    spec.nodes = {linear
                      ? NodeSpec{"layer", "Linear", {"x"}, {{"out_features", out}}}
                      : NodeSpec{"layer", "Conv2d", {"x"}, {{"out_channels", out}, {"kernel", 1}}}};
    spec.outputs = {"layer"};
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 5);
    Random random(9);
    std::vector<float> x(static_cast<size_t>(batch * numel(spec.inputs[0].shape)));
    for (float& v : x) v = std::floor(random.uniform(0.f, 256.f)) / 16;
    QuantPlan plan;
    plan.activations["x"] = {255.f / 16, true};
    const Tensor& w = params.find("layer.weight")->value;
    plan.layers["layer"] = {true, weightScales(w.data<float>(), out, w.numel() / out, 1, 127)};
    const auto fp32 = run(spec, params, x, batch);
    const auto int8 = run(spec, params, x, batch, &plan);
    const double error = relativeError(int8.data(), fp32.data(), static_cast<int64_t>(fp32.size()));
    qInfo("%s: int8 of an 8-bit plan against fp32: relative error %.3g", qPrintable(op), error);
    QVERIFY2(error < 0.02, qPrintable(QString::number(error)));
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

  void calibrationInBatchesObservesEachSampleOnce_data() {
    QTest::addColumn<QString>("observer");
    QTest::newRow("percentile") << "percentile";
    QTest::newRow("entropy") << "entropy";
  }

  // Observers sum over batches: 7 samples in batches of 3 (one executor; its last batch's two
  // rows past the samples computed and not observed) give the plan one batch of 7 gives.
  void calibrationInBatchesObservesEachSampleOnce() {
    QFETCH(QString, observer);
    const InferenceModel folded = rewriteForInference(m_cnn.spec, m_cnn.params);
    std::vector<float> samples = randomSamples(folded.spec, 7, 12);
    // The last sample is quiet, the ones before it loud: observed twice, they would weigh more.
    const size_t sampleSize = samples.size() / 7;
    for (size_t i = 6 * sampleSize; i < samples.size(); ++i) samples[i] *= 0.01f;
    CalibrationOptions options;
    options.observer = observer.toStdString();
    options.batch = 3;
    const QuantPlan inThrees = calibrate(folded, samples, options);
    options.batch = 7;
    const QuantPlan whole = calibrate(folded, samples, options);
    QCOMPARE(inThrees.activations.size(), whole.activations.size());
    for (const auto& [value, range] : whole.activations)
      QVERIFY2(inThrees.range(value).threshold == range.threshold,
               (value + ": " + std::to_string(inThrees.range(value).threshold) + " against " +
                std::to_string(range.threshold))
                   .c_str());
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

  // An int8 QDQ 1-D convolution (as ONNX Runtime's quantizer writes nn.Conv1d) stays int8 when
  // imported: its weight keeps its scales through the 2-D rewrite, and the Reshapes around it
  // take the ranges of the values they reshape. Checked against the file run by PyTorch.
  void aQdqOneDimensionalConvolutionImportsAsInt8() {
    QTemporaryDir dir;
    const QString path = dir.filePath("conv1d-qdq.onnx");
    const test::ProgramRun made = test::runPython(
        {"-c",
         "import sys, numpy as np, onnx\n"
         "from onnx import helper as h, numpy_helper as nh, TensorProto as T\n"
         "r = np.random.RandomState(0)\n"
         "w = r.randn(6, 3, 3).astype(np.float32)\n"
         "ws = (np.abs(w).reshape(6, -1).max(1) / 127).astype(np.float32)\n"
         "c = lambda v, n: nh.from_array(v, n)\n"
         "inits = [c(np.round(w / ws[:, None, None]).astype(np.int8), 'wq'), c(ws, 'ws'),\n"
         "         c(np.zeros(6, np.int8), 'wz'), c(np.array(0.05, np.float32), 'xs'),\n"
         "         c(np.array(0, np.int8), 'xz'), c(np.array(0.02, np.float32), 'cs'),\n"
         "         c(np.array(0, np.uint8), 'cz'), c(r.randn(6).astype(np.float32) * 0.1, 'b'),\n"
         "         c(r.randn(5, 48).astype(np.float32), 'fw')]\n"
         "n = h.make_node\n"
         "nodes = [n('QuantizeLinear', ['x', 'xs', 'xz'], ['xq']),\n"
         "         n('DequantizeLinear', ['xq', 'xs', 'xz'], ['xd']),\n"
         "         n('DequantizeLinear', ['wq', 'ws', 'wz'], ['wd'], axis=0),\n"
         "         n('Conv', ['xd', 'wd', 'b'], ['c'], kernel_shape=[3]), n('Relu', ['c'], "
         "['rl']),\n"
         "         n('QuantizeLinear', ['rl', 'cs', 'cz'], ['rq']),\n"
         "         n('DequantizeLinear', ['rq', 'cs', 'cz'], ['rd']),\n"
         "         n('Flatten', ['rd'], ['f']), n('Gemm', ['f', 'fw'], ['y'], transB=1)]\n"
         "g = h.make_graph(nodes, 'conv1d', [h.make_tensor_value_info('x', T.FLOAT, ['n', 3, "
         "10])],\n"
         "                 [h.make_tensor_value_info('y', T.FLOAT, ['n', 5])], inits)\n"
         "onnx.save(h.make_model(g, opset_imports=[h.make_opsetid('', 13)]), sys.argv[1])\n",
         path});
    QVERIFY2(made.exitCode == 0, qPrintable(made.output));
    const ModelFile imported = importOnnx(path.toStdString());
    QVERIFY(imported.quant.has_value());
    QCOMPARE(imported.quant->int8LayerCount(), int64_t{1});
    QVERIFY(imported.quant->layers.begin()->first.find("/2d-Conv") != std::string::npos);
    const int64_t n = 64;
    Random random(11);
    std::vector<float> x(static_cast<size_t>(n * 30));
    for (float& v : x) v = random.normal() * 2;
    const InferenceModel folded = rewriteForInference(imported.spec, imported.params);
    const auto engine = run(folded.spec, folded.params, x, n, &*imported.quant);
    const auto reference = onnxRuntime(path, x, n, engine.size());
    const double error =
        relativeError(engine.data(), reference.data(), static_cast<int64_t>(engine.size()));
    qInfo("int8 Conv1d against the QDQ file run by PyTorch: relative error %.3g", error);
    QVERIFY2(error < 1e-3, qPrintable(QString::number(error)));
    // The file's rounding, not fp32's arithmetic: fp32 on the same weights answers otherwise.
    const auto exact = run(folded.spec, folded.params, x, n);
    const double fromFp32 =
        relativeError(engine.data(), exact.data(), static_cast<int64_t>(exact.size()));
    QVERIFY2(fromFp32 > 1e-3, qPrintable(QString::number(fromFp32)));
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
