// The executor's promises: the steady-state training step allocates nothing, and activations
// between convolutions stay in the layout oneDNN prefers instead of being reordered each step.
#include <dlfcn.h>

#include <QtTest>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <new>

#include "backend/cpu/winograd_conv3x3.h"
#include "core/error.h"
#include "core/memory_need.h"
#include "core/random.h"
#include "data/data_loader.h"
#include "exec/activation_budget.h"
#include "exec/arena_plan.h"
#include "exec/executor.h"
#include "exec/gradient_values.h"
#include "exec/step_arena.h"
#include "graph/templates.h"
#include "quant/inference_rewrite.h"
#include "test_support.h"
#include "train/evaluator.h"
#include "train/optimizer.h"

// Counts every operator new in this process (all threads) while counting is on, split by where
// the call comes from: oneDNN 2.6 builds a small argument map inside every primitive execution
// (dnnl_primitive_execute), which no caller can avoid; everything else is ours and must be 0.
static std::atomic<bool> g_counting{false};
static std::atomic<long> g_allocations{0};
static std::atomic<long> g_onednnAllocations{0};

void* operator new(std::size_t size) {
  if (g_counting.load(std::memory_order_relaxed)) {
    Dl_info caller;
    if (dladdr(__builtin_return_address(0), &caller) && caller.dli_fname &&
        std::strstr(caller.dli_fname, "libdnnl"))
      g_onednnAllocations.fetch_add(1);
    else
      g_allocations.fetch_add(1);
  }
  if (void* p = std::malloc(size ? size : 1)) return p;
  throw std::bad_alloc();
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }

using namespace twb;

namespace {
// Fails the test unless `ours` is within 2e-5 (relative) of a reference summed in double.
void checkAgainstDouble(const char* what, const std::vector<float>& ours,
                        const std::vector<double>& reference) {
  const std::vector<float> expected(reference.begin(), reference.end());
  const double error =
      test::relativeError(ours.data(), expected.data(), static_cast<int64_t>(ours.size()));
  QVERIFY2(error <= 2e-5, qPrintable(QString("%1: %2").arg(what).arg(error)));
}

// The model of tst_trainer's resume case plus dropout and BN: every kind of kernel state.
ModelSpec stateful() {
  ModelSpec s;
  s.name = "stateful";
  s.inputs = {{"image", {1, 28, 28}, DType::f32}};
  s.nodes = {{"conv", "Conv2d", {"image"}, {{"out_channels", 16}, {"kernel", 3}, {"padding", 1}}},
             {"bn", "BatchNorm2d", {"conv"}, {}},
             {"relu", "ReLU", {"bn"}, {}},
             {"pool", "MaxPool2d", {"relu"}, {{"kernel", 2}}},
             {"flat", "Flatten", {"pool"}, {}},
             {"drop", "Dropout", {"flat"}, {{"p", 0.2}}},
             {"logits", "Linear", {"drop"}, {{"out_features", 10}}}};
  s.outputs = {"logits"};
  return s;
}

// MobileNet's inverted residual without its shortcut: expand (1x1), depthwise 3x3, project.
ModelSpec expandDepthwiseProject(int stride, bool depthwiseBias) {
  ModelSpec s;
  s.name = "inverted-residual";
  s.inputs = {{"image", {8, 12, 12}, DType::f32}};
  s.nodes = {{"expand",
              "Conv2d",
              {"image"},
              {{"out_channels", 24}, {"kernel", 1}, {"activation", "relu6"}}},
             {"dw",
              "Conv2d",
              {"expand"},
              {{"out_channels", 24},
               {"kernel", 3},
               {"padding", 1},
               {"stride", stride},
               {"groups", 24},
               {"bias", depthwiseBias},
               {"activation", "relu6"}}},
             {"project", "Conv2d", {"dw"}, {{"out_channels", 8}, {"kernel", 1}}}};
  s.outputs = {"project"};
  return s;
}

// A ResNet bottleneck's end: the shortcut (stem) read by the block's first convolution and added
// to its last one's output.
ModelSpec bottleneck() {
  ModelSpec s;
  s.name = "bottleneck";
  s.inputs = {{"image", {8, 10, 10}, DType::f32}};
  s.nodes = {
      {"stem", "Conv2d", {"image"}, {{"out_channels", 32}, {"kernel", 1}, {"activation", "relu"}}},
      {"reduce", "Conv2d", {"stem"}, {{"out_channels", 16}, {"kernel", 1}, {"activation", "relu"}}},
      {"project", "Conv2d", {"reduce"}, {{"out_channels", 32}, {"kernel", 1}}},
      {"sum", "Add", {"project", "stem"}, {{"activation", "relu"}}},
      {"pool", "GlobalAvgPool", {"sum"}, {}}};
  s.outputs = {"pool"};
  return s;
}

// A template in its inference form (BatchNorm folded, activations fused), weights from `seed`.
ModelSpec foldedTemplate(const std::string& name, ParameterStore& params, uint64_t seed) {
  const ModelSpec spec = makeTemplate(name, {});
  params.ensure(Graph::build(spec, 1), seed);
  InferenceModel folded = rewriteForInference(spec, params);
  params = std::move(folded.params);
  return folded.spec;
}

// A frozen inference executor of `spec` and a plain one that keeps every value, run on the same
// random input.
struct FrozenAgainstPlain {
  std::unique_ptr<Executor> frozen, plain;
  double difference = 0;  // of the frozen one's output, relative to the plain one's
};

FrozenAgainstPlain runFrozenAgainstPlain(const ModelSpec& spec, ParameterStore& params,
                                         int64_t batch, uint64_t seed) {
  ExecOptions frozen{ExecMode::infer}, plain{ExecMode::infer};
  frozen.frozen = true;
  plain.keepEveryValue = true;  // the reference: any value may be read
  FrozenAgainstPlain run{std::make_unique<Executor>(Graph::build(spec, batch), params, frozen),
                         std::make_unique<Executor>(Graph::build(spec, batch), params, plain)};
  Random random(seed);
  const std::string input = spec.inputs[0].name;
  for (int64_t i = 0; i < batch * numel(spec.inputs[0].shape); ++i)
    static_cast<float*>(run.plain->inputBuffer(input))[i] =
        static_cast<float*>(run.frozen->inputBuffer(input))[i] = random.normal();
  run.plain->forward();
  run.frozen->forward();
  const std::vector<float> ours = run.frozen->read(spec.outputs[0]),
                           reference = run.plain->read(spec.outputs[0]);
  run.difference =
      test::relativeError(ours.data(), reference.data(), static_cast<int64_t>(ours.size()));
  return run;
}

// One 3x3 convolution with stride 1 and padding 1 and a fused activation.
ModelSpec threeByThree(int in, int out, int height, int width, const std::string& activation,
                       bool bias) {
  ModelSpec s;
  s.name = "three-by-three";
  s.inputs = {{"image", {in, height, width}, DType::f32}};
  s.nodes = {{"conv",
              "Conv2d",
              {"image"},
              {{"out_channels", out},
               {"kernel", 3},
               {"padding", 1},
               {"bias", bias},
               {"activation", activation}}}};
  s.outputs = {"conv"};
  return s;
}

// A convolution, whose output oneDNN lays out in blocks of channels, read by `pool`.
ModelSpec convolutionThenPool(int64_t size, const NodeSpec& pool) {
  ModelSpec s;
  s.name = "conv-pool";
  s.inputs = {{"image", {3, size, size}, DType::f32}};
  s.nodes = {{"conv", "Conv2d", {"image"}, {{"out_channels", 16}, {"kernel", 3}, {"padding", 1}}},
             pool};
  s.outputs = {pool.name};
  return s;
}
}  // namespace

class TestExecutor : public QObject {
  Q_OBJECT
 private slots:
  void trainingStepAllocatesNothing_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("optimizer");
    QTest::newRow("mlp sgd") << "mlp" << "sgd";
    QTest::newRow("cnn-small adam") << "cnn-small" << "adam";
    QTest::newRow("conv bn dropout sgd") << "stateful" << "sgd";
  }

  void trainingStepAllocatesNothing() {
    QFETCH(QString, model);
    QFETCH(QString, optimizer);
    const ModelSpec spec = model == "stateful" ? stateful() : makeTemplate(model.toStdString(), {});
    const int64_t batch = 32;
    const ModelSpec withLossSpec = withLoss(spec, "SoftmaxCrossEntropy", {batch, 10});
    ParameterStore params;
    Graph graph = Graph::build(withLossSpec, batch);
    params.ensure(graph, 1);
    Executor exec(std::move(graph), params);
    exec.setGradient("loss", {1.f});
    OptimizerConfig config;
    config.type = optimizer.toStdString();
    config.momentum = config.type == "sgd" ? 0.9 : 0;
    auto opt = makeOptimizer(config);
    const DatasetSplits data = openDataset("synthetic:1x28x28:10");
    DataLoader loader(data.train, {batch, true, true, 3, {}, {}});
    loader.start(0);
    std::vector<int32_t> labels(batch);
    auto* samples = static_cast<float*>(exec.inputBuffer("image"));
    const std::string loss = "SoftmaxCrossEntropy";
    auto step = [&](uint64_t seed) {
      QVERIFY(loader.next(samples, labels.data()) == batch);
      writeLabels(exec.inputBuffer("label"), loss, labels.data(), batch, 10);
      exec.setRandomSeed(seed);
      exec.forward();
      exec.backward();
      opt->step(params.all(), 0.01f);
    };
    for (uint64_t s = 0; s < 3; ++s) step(s);  // warm-up: optimizer state, oneDNN's own caches
    g_allocations = 0;
    g_onednnAllocations = 0;
    g_counting = true;
    for (uint64_t s = 3; s < 8; ++s) step(s);
    g_counting = false;
    qInfo("5 steps: %ld allocations in our code, %ld inside oneDNN's primitive execution",
          g_allocations.load(), g_onednnAllocations.load());
    QCOMPARE(g_allocations.load(), 0L);

    // The counter does see allocations (the check above can fail).
    g_counting = true;
    auto probe = std::make_unique<int>(1);
    g_counting = false;
    QVERIFY(g_allocations.load() > 0);
  }

  void convolutionChainKeepsPreferredLayout() {
    ParameterStore params;
    Graph graph = Graph::build(makeTemplate("cnn-small", {}), 64);
    params.ensure(graph, 1);
    Executor exec(std::move(graph), params, {ExecMode::infer});
    // oneDNN picks the layout (channels-last or channel blocks on AVX-512); it is not nchw,
    // and it is kept from conv1 to pool2, where Flatten turns it back into rows.
    for (const char* v : {"conv1", "relu1", "pool1", "conv2", "relu2", "pool2"})
      QVERIFY2(!exec.isPlainLayout(v), v);
    for (const char* v : {"image", "flatten", "fc1", "logits"}) QVERIFY2(exec.isPlainLayout(v), v);
  }

  // Frozen inference computes a depthwise convolution inside the 1x1 convolution before it (the
  // expanded value is never stored), with the outputs of the plain executor.
  void frozenInferenceAbsorbsTheDepthwiseConvolution_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("expanded");  // the value that is no longer stored
    QTest::newRow("stride 1") << "stride 1"
                              << "expand";
    QTest::newRow("stride 2, no depthwise bias") << "stride 2"
                                                 << "expand";
    QTest::newRow("mobilenet-v2-cifar") << "mobilenet-v2-cifar"
                                        << "block3_expand";
  }

  void frozenInferenceAbsorbsTheDepthwiseConvolution() {
    QFETCH(QString, model);
    QFETCH(QString, expanded);
    ParameterStore params;
    ModelSpec spec =
        model == "stride 1" ? expandDepthwiseProject(1, true) : expandDepthwiseProject(2, false);
    if (model == "mobilenet-v2-cifar") spec = foldedTemplate("mobilenet-v2-cifar", params, 3);
    params.ensure(Graph::build(spec, 1), 3);
    const FrozenAgainstPlain run = runFrozenAgainstPlain(spec, params, 4, 4);
    const Executor &fused = *run.frozen, &plain = *run.plain;
    QVERIFY2(run.difference <= 1e-5, qPrintable(QString::number(run.difference)));
    QCOMPARE(fused.flopsPerStep(), plain.flopsPerStep());
    // The expanded value was computed inside the kernel, never stored: only the plain executor has
    // it.
    QCOMPARE(plain.read(expanded.toStdString()).size(),
             static_cast<size_t>(numel(
                 plain.graph().values()[plain.graph().valueIndex(expanded.toStdString())].shape)));
    QVERIFY_THROWS_EXCEPTION(Error, fused.read(expanded.toStdString()));
    // The profile says where the depthwise convolution went.
    const Graph& g = plain.graph();
    const int reader = g.values()[g.valueIndex(expanded.toStdString())].consumers[0];
    QCOMPARE(fused.nodeTimings()[reader].kernel, "in " + expanded.toStdString());
  }

  // Frozen inference adds a residual shortcut inside the convolution before the sum, into the
  // shortcut's buffer in place, with the plain executor's outputs, step after step.
  void frozenInferenceSumsTheShortcutInPlace_data() {
    QTest::addColumn<QString>("model");
    QTest::addColumn<QString>("sum");
    QTest::addColumn<QString>("convolution");  // the one that computes it
    QTest::addColumn<QString>("shortcut");     // the value summed into
    QTest::newRow("bottleneck") << "bottleneck"
                                << "sum"
                                << "project"
                                << "stem";
    // A downsampling block: its 1x1 shortcut convolution runs last and adds the branch into it.
    QTest::newRow("resnet18-cifar") << "resnet18-cifar"
                                    << "layer2_0_add"
                                    << "layer2_0_down"
                                    << "layer2_0_conv2";
  }

  void frozenInferenceSumsTheShortcutInPlace() {
    QFETCH(QString, model);
    QFETCH(QString, sum);
    QFETCH(QString, convolution);
    QFETCH(QString, shortcut);
    ParameterStore params;
    const ModelSpec spec =
        model == "bottleneck" ? bottleneck() : foldedTemplate(model.toStdString(), params, 5);
    params.ensure(Graph::build(spec, 1), 5);
    const FrozenAgainstPlain run = runFrozenAgainstPlain(spec, params, 3, 6);
    QVERIFY2(run.difference <= 1e-5, qPrintable(QString::number(run.difference)));
    const Graph& g = run.plain->graph();
    const int sumNode = g.values()[g.valueIndex(sum.toStdString())].producer;
    QCOMPARE(run.frozen->nodeTimings()[sumNode].kernel, "in " + convolution.toStdString());
    // The shortcut's buffer holds the sum now: read() refuses it, naming the sum.
    QCOMPARE(run.plain->read(shortcut.toStdString()).size(),
             static_cast<size_t>(numel(g.values()[g.valueIndex(shortcut.toStdString())].shape)));
    QVERIFY_THROWS_EXCEPTION(Error, run.frozen->read(shortcut.toStdString()));
    // A second step recomputes the shortcut before adding into it: the same outputs again.
    const std::vector<float> first = run.frozen->read(spec.outputs[0]);
    run.frozen->forward();
    QCOMPARE(run.frozen->read(spec.outputs[0]), first);
  }

  // Frozen inference runs a Flatten and the Linear after it as one inner product over the
  // unflattened value in its producer's layout (the flattened value is never stored), with the
  // plain executor's outputs.
  void frozenInferenceMultipliesTheUnflattenedValue() {
    ParameterStore params;
    const ModelSpec spec = foldedTemplate("cnn-small", params, 7);
    params.ensure(Graph::build(spec, 1), 7);
    const FrozenAgainstPlain run = runFrozenAgainstPlain(spec, params, 5, 8);
    QVERIFY2(run.difference <= 1e-5, qPrintable(QString::number(run.difference)));
    const Graph& g = run.plain->graph();
    const int linear = g.values()[g.valueIndex("flatten")].consumers[0];
    QCOMPARE(g.nodes()[linear].opName, std::string("Linear"));
    QCOMPARE(run.frozen->nodeTimings()[linear].kernel, std::string("in flatten"));
    QVERIFY_THROWS_EXCEPTION(Error, run.frozen->read("flatten"));
    QCOMPARE(run.frozen->flopsPerStep(), run.plain->flopsPerStep());
  }

  void threeByThreeConvolutionsRunByWinograd_data() {
    QTest::addColumn<QString>("layer");
    QTest::addColumn<bool>("winograd");
    QTest::newRow("7x7, ReLU, bias") << "64 72 7 7 relu bias" << true;
    QTest::newRow("9x5: partial tiles, no bias") << "64 64 9 5 none -" << true;
    QTest::newRow("ReLU6, more in than out") << "128 64 12 12 relu6 bias" << true;
    QTest::newRow("32 to 64 (cnn-small's)") << "32 64 14 14 relu bias" << true;
    QTest::newRow("16 channels: oneDNN's direct kernel") << "16 32 8 8 relu bias" << false;
  }

  // A 3x3 convolution with stride 1 between 32 or more channels runs by Winograd's F(4x4, 3x3)
  // (backend/cpu/winograd_conv3x3.h) in frozen fp32 inference, and by oneDNN's direct kernel
  // where weights may change between forwards, both against a direct sum in double here.
  // (Training, forward and backward: trainingByWinogradSumsItsPasses.)
  void threeByThreeConvolutionsRunByWinograd() {
    QFETCH(QString, layer);
    QFETCH(bool, winograd);
    const QStringList f = layer.split(' ');
    const int in = f[0].toInt(), out = f[1].toInt(), height = f[2].toInt(), width = f[3].toInt();
    const bool bias = f[5] == "bias";
    const ModelSpec spec = threeByThree(in, out, height, width, f[4].toStdString(), bias);
    const int64_t batch = 3;
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 5);
    Random random(6);
    std::vector<float> image(static_cast<size_t>(batch * in * height * width));
    for (float& v : image) v = random.normal();
    const float* w = params.find("conv.weight")->value.data<float>();
    const float* b = bias ? params.find("conv.bias")->value.data<float>() : nullptr;
    // Direct: y[n, k, y, x] = b[k] + sum over c, i, j of w[k, c, i, j] image[n, c, y + i - 1, x + j
    // - 1].
    std::vector<float> reference(static_cast<size_t>(batch * out * height * width));
    for (int64_t n = 0; n < batch; ++n)
      for (int k = 0; k < out; ++k)
        for (int y = 0; y < height; ++y)
          for (int x = 0; x < width; ++x) {
            double sum = b ? b[k] : 0.0;
            for (int c = 0; c < in; ++c)
              for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 3; ++j) {
                  const int row = y + i - 1, column = x + j - 1;
                  if (row < 0 || row >= height || column < 0 || column >= width) continue;
                  sum += double(w[((k * in + c) * 3 + i) * 3 + j]) *
                         image[((n * in + c) * height + row) * width + column];
                }
            if (f[4] != "none") sum = std::max(sum, 0.0);
            if (f[4] == "relu6") sum = std::min(sum, 6.0);
            reference[((n * out + k) * height + y) * width + x] = static_cast<float>(sum);
          }
    for (const bool frozen : {true, false}) {
      ExecOptions options{ExecMode::infer};
      options.frozen = frozen;
      Executor exec(Graph::build(spec, batch), params, options);
      std::copy(image.begin(), image.end(), static_cast<float*>(exec.inputBuffer("image")));
      exec.forward();
      const std::vector<float> ours = exec.read("conv");
      // F(4x4, 3x3) rounds more than a direct sum (its transforms scale by up to 8 and 1/24):
      // about 1e-5 of the largest output.
      const double error =
          test::relativeError(ours.data(), reference.data(), static_cast<int64_t>(ours.size()));
      const bool byWinograd = winograd && frozen;
      QVERIFY2(error <= (byWinograd ? 2e-5 : 5e-6), qPrintable(QString::number(error)));
      QCOMPARE(exec.nodeTimings()[0].kernel == "winograd F(4x4, 3x3)", byWinograd);
    }
  }

  // A NaN in the input stays NaN through Winograd's fused ReLU and ReLU6 (a clamp that put a
  // bound in its place would hide a diverged model behind zeros or sixes), and only the 4x4
  // blocks of outputs whose 6x6 tile reads it are touched.
  void winogradKeepsNanThroughItsClamp() {
    const int channels = 32, side = 8;
    for (const std::string activation : {"relu", "relu6"}) {
      const ModelSpec spec = threeByThree(channels, channels, side, side, activation, true);
      ParameterStore params;
      params.ensure(Graph::build(spec, 1), 5);
      ExecOptions frozen{ExecMode::infer};
      frozen.frozen = true;
      Executor exec(Graph::build(spec, 1), params, frozen);
      auto* image = static_cast<float*>(exec.inputBuffer("image"));
      std::fill_n(image, channels * side * side, 1.f);
      image[side + 1] = std::numeric_limits<float>::quiet_NaN();  // channel 0, row 1, column 1
      exec.forward();
      QCOMPARE(exec.nodeTimings()[0].kernel, std::string("winograd F(4x4, 3x3)"));
      const std::vector<float> out = exec.read("conv");
      for (int k = 0; k < channels; ++k) {
        // The tile of outputs [0, 4) x [0, 4) reads input rows and columns -1 to 4.
        QVERIFY2(std::isnan(out[(k * side + 2) * side + 2]), activation.c_str());
        QVERIFY2(!std::isnan(out[(k * side + 6) * side + 6]), activation.c_str());
      }
    }
  }

  void trainingByWinogradSumsItsPasses_data() {
    QTest::addColumn<int>("channels");
    QTest::addColumn<int>("side");
    QTest::addColumn<int>("batch");
    // 1024 tiles in passes of 910: the kernel gradient sums its passes and groups in double.
    QTest::newRow("64 channels at 32x32, two passes") << 64 << 32 << 16;
    // One tile an image, 128 of them (the fewest training takes Winograd for): one pass, summed
    // in float.
    QTest::newRow("64 channels at 4x4, one pass") << 64 << 4 << 128;
  }

  // Training by Winograd: output, input gradient and kernel and bias gradients against direct
  // sums in double.
  void trainingByWinogradSumsItsPasses() {
    QFETCH(int, channels);
    QFETCH(int, side);
    QFETCH(int, batch);
    const int64_t plane = side * side;
    const ModelSpec spec = threeByThree(channels, channels, side, side, "none", true);
    ParameterStore params;
    Graph graph = Graph::build(spec, batch);
    params.ensure(graph, 7);
    ExecOptions options{ExecMode::train};
    options.inputGradients = true;
    Executor exec(std::move(graph), params, options);
    Random random(8);
    std::vector<float> x(static_cast<size_t>(batch * channels * plane)), dy(x.size());
    for (float& v : x) v = random.normal();
    for (float& v : dy) v = random.normal();
    std::copy(x.begin(), x.end(), static_cast<float*>(exec.inputBuffer("image")));
    exec.setGradient("conv", dy);
    exec.forward();
    exec.backward();
    const float* w = params.find("conv.weight")->value.data<float>();
    const float* b = params.find("conv.bias")->value.data<float>();
    std::vector<double> y(x.size()), dx(x.size()), dw(static_cast<size_t>(channels * channels * 9)),
        db(channels);
    const auto at = [&](int64_t n, int c, int row, int column) {
      return ((n * channels + c) * side + row) * side + column;
    };
    for (int64_t n = 0; n < batch; ++n)
      for (int k = 0; k < channels; ++k)
        for (int r = 0; r < side; ++r)
          for (int col = 0; col < side; ++col) {
            const double g = dy[at(n, k, r, col)];
            db[k] += g;
            double sum = b[k];
            for (int c = 0; c < channels; ++c)
              for (int i = 0; i < 3; ++i)
                for (int j = 0; j < 3; ++j) {
                  const int row = r + i - 1, column = col + j - 1;
                  if (row < 0 || row >= side || column < 0 || column >= side) continue;
                  const int64_t wi = ((k * channels + c) * 3 + i) * 3 + j;
                  sum += double(w[wi]) * x[at(n, c, row, column)];
                  dx[at(n, c, row, column)] += double(w[wi]) * g;
                  dw[wi] += double(x[at(n, c, row, column)]) * g;
                }
            y[at(n, k, r, col)] = sum;
          }
    checkAgainstDouble("output", exec.read("conv"), y);
    checkAgainstDouble("input gradient", exec.readGradient("image"), dx);
    const Tensor& wg = params.find("conv.weight")->grad;
    const Tensor& bg = params.find("conv.bias")->grad;
    checkAgainstDouble("kernel gradient",
                       std::vector<float>(wg.data<float>(), wg.data<float>() + wg.numel()), dw);
    checkAgainstDouble("bias gradient",
                       std::vector<float>(bg.data<float>(), bg.data<float>() + bg.numel()), db);
    exec.setProfiling(true);
    exec.forward();
    QCOMPARE(exec.nodeTimings()[0].kernel, std::string("winograd F(4x4, 3x3)"));
  }

  void winogradReadsEachLayout_data() {
    QTest::addColumn<int>("layout");
    QTest::newRow("nChw8c") << static_cast<int>(WinogradConv3x3::Layout::blocked8);
    QTest::newRow("nChw16c") << static_cast<int>(WinogradConv3x3::Layout::blocked16);
    QTest::newRow("NHWC") << static_cast<int>(WinogradConv3x3::Layout::channelsLast);
  }

  // Winograd in each layout it chains in with oneDNN's kernels: its output and its kernel's and
  // bias's gradients against direct sums in double, each value read and written where the
  // layout puts it (partial tiles at the right and bottom edges, three groups of 16 channels).
  void winogradReadsEachLayout() {
    QFETCH(int, layout);
    const WinogradConv3x3::Shape shape{2, 32, 48,
                                       9, 7,  static_cast<WinogradConv3x3::Layout>(layout)};
    QVERIFY(WinogradConv3x3::supports(shape));
    const int64_t area = shape.height * shape.width;
    // Where element (n, c, y, x) of a value of `channels` is in the layout.
    const auto at = [&](int64_t channels, int64_t n, int64_t c, int64_t y, int64_t x) {
      const int64_t pixel = y * shape.width + x;
      switch (shape.layout) {
        case WinogradConv3x3::Layout::channelsLast:
          return (n * area + pixel) * channels + c;
        case WinogradConv3x3::Layout::blocked16:
          return ((n * channels / 16 + c / 16) * area + pixel) * 16 + c % 16;
        case WinogradConv3x3::Layout::blocked8:
          break;
      }
      return ((n * channels / 8 + c / 8) * area + pixel) * 8 + c % 8;
    };
    Random random(11);
    const auto normal = [&](int64_t n) {
      std::vector<float> v(static_cast<size_t>(n));
      for (float& x : v) x = random.normal();
      return v;
    };
    const std::vector<float> x = normal(shape.batch * shape.in * area),
                             dy = normal(shape.batch * shape.out * area),
                             w = normal(shape.out * shape.in * 9), bias = normal(shape.out);
    std::vector<double> y(dy.size()), dw(w.size()), db(bias.size());
    for (int64_t n = 0; n < shape.batch; ++n)
      for (int64_t k = 0; k < shape.out; ++k)
        for (int64_t r = 0; r < shape.height; ++r)
          for (int64_t col = 0; col < shape.width; ++col) {
            const size_t o = static_cast<size_t>(at(shape.out, n, k, r, col));
            double sum = bias[k];
            db[k] += dy[o];
            for (int64_t c = 0; c < shape.in; ++c)
              for (int64_t i = 0; i < 3; ++i)
                for (int64_t j = 0; j < 3; ++j) {
                  const int64_t row = r + i - 1, column = col + j - 1;
                  if (row < 0 || row >= shape.height || column < 0 || column >= shape.width)
                    continue;
                  const size_t wi = static_cast<size_t>(((k * shape.in + c) * 3 + i) * 3 + j);
                  const double input = x[static_cast<size_t>(at(shape.in, n, c, row, column))];
                  sum += double(w[wi]) * input;
                  dw[wi] += input * dy[o];
                }
            y[o] = sum;
          }
    WinogradConv3x3 conv(shape);
    const auto scratch = [](size_t bytes) {
      return std::shared_ptr<float>(
          static_cast<float*>(std::aligned_alloc(64, (bytes + 63) / 64 * 64)),
          [](float* p) { std::free(p); });
    };
    conv.setWeights(WinogradConv3x3::KernelView::plain(w.data(), shape.in), bias.data());
    std::vector<float> out(dy.size()), weightGradient(w.size()), biasGradient(bias.size());
    const float infinity = std::numeric_limits<float>::infinity();
    conv.run(x.data(), out.data(), scratch(conv.scratchBytes()).get(), -infinity, infinity);
    conv.weightGradient(x.data(), dy.data(), scratch(conv.weightGradientScratchBytes()).get(),
                        weightGradient.data(), biasGradient.data());
    checkAgainstDouble("output", out, y);
    checkAgainstDouble("kernel gradient", weightGradient, dw);
    checkAgainstDouble("bias gradient", biasGradient, db);
  }

  // resnet18-cifar's 3x3 convolutions with stride 1 (13 of its 17 3x3 layers; the others have
  // stride 2 or 3 input channels) take Winograd in inference; in training at batch 8, those with
  // 128 blocks of 4x4 outputs or more (WinogradConv3x3::paysInTraining): layer1's 4 at 32x32 and
  // layer2's 3 at 16x16, not layer3's at 8x8 or layer4's at 4x4. None does where the options
  // forbid it (a job's allow_winograd), nor holds its transformed weights.
  void resnetTakesWinogradWhereItCan() {
    const auto winogradLayers = [](Executor& exec) {
      exec.setProfiling(true);
      exec.forward();
      const auto& timings = exec.nodeTimings();
      return std::count_if(timings.begin(), timings.end(),
                           [](const NodeTiming& t) { return t.kernel == "winograd F(4x4, 3x3)"; });
    };
    ParameterStore folded;
    ExecOptions frozen{ExecMode::infer};
    frozen.frozen = true;
    Executor inference(Graph::build(foldedTemplate("resnet18-cifar", folded, 5), 2), folded,
                       frozen);
    QCOMPARE(winogradLayers(inference), std::ptrdiff_t{13});
    const ModelSpec resnet = makeTemplate("resnet18-cifar", {});
    ParameterStore params;
    params.ensure(Graph::build(resnet, 8), 5);
    Executor training(Graph::build(resnet, 8), params, ExecOptions{ExecMode::train});
    QCOMPARE(winogradLayers(training), std::ptrdiff_t{7});

    frozen.winograd = false;
    Executor directInference(Graph::build(foldedTemplate("resnet18-cifar", folded, 5), 2), folded,
                             frozen);
    QCOMPARE(winogradLayers(directInference), std::ptrdiff_t{0});
    ExecOptions direct{ExecMode::train};
    direct.winograd = false;
    Executor directTraining(Graph::build(resnet, 8), params, direct);
    QCOMPARE(winogradLayers(directTraining), std::ptrdiff_t{0});
    // Winograd's transformed weights, 4 times the kernel's bytes (36 points of each 3x3 one),
    // for the forward and for the input's gradient: the 7 layers hold 589 824 weights.
    const double transformed =
        Executor::plannedNeed(Graph::build(resnet, 8), params, ExecOptions{ExecMode::train})
            .total() -
        Executor::plannedNeed(Graph::build(resnet, 8), params, direct).total();
    QVERIFY2(transformed >= 2 * 4 * 4 * 589824.0, std::to_string(transformed).c_str());
  }

  void inferencePoolsTheBlockedLayout_data() {
    QTest::addColumn<int>("size");
    QTest::addColumn<int>("kernel");  // 0: global average
    QTest::addColumn<int>("stride");
    QTest::addColumn<int>("padding");
    QTest::newRow("max 2x2") << 8 << 2 << 2 << 0;
    QTest::newRow("max 3x3, stride 2, padding 1: edge windows") << 9 << 3 << 2 << 1;
    QTest::newRow("global average") << 7 << 0 << 0 << 0;
  }

  // Inference pools a blocked (nChw8c) input with blocked_pooling.h's loops; the reference is
  // computed here from the convolution's output.
  void inferencePoolsTheBlockedLayout() {
    QFETCH(int, size);
    QFETCH(int, kernel);
    QFETCH(int, stride);
    QFETCH(int, padding);
    const int64_t batch = 2, channels = 16;
    const NodeSpec pool =
        kernel == 0 ? NodeSpec{"pool", "GlobalAvgPool", {"conv"}, {}}
                    : NodeSpec{"pool",
                               "MaxPool2d",
                               {"conv"},
                               {{"kernel", kernel}, {"stride", stride}, {"padding", padding}}};
    const ModelSpec spec = convolutionThenPool(size, pool);
    ParameterStore params;
    params.ensure(Graph::build(spec, 1), 7);
    ExecOptions everyValue{ExecMode::infer};
    everyValue.keepEveryValue = true;  // the convolution's output is read
    Executor infer(Graph::build(spec, batch), params, everyValue);
    Random random(8);
    for (int64_t i = 0; i < batch * numel(spec.inputs[0].shape); ++i)
      static_cast<float*>(infer.inputBuffer("image"))[i] = random.normal();
    infer.forward();
    const std::vector<float> x = infer.read("conv"), ours = infer.read("pool");
    const int64_t out = kernel == 0 ? 1 : (size + 2 * padding - kernel) / stride + 1;
    QCOMPARE(ours.size(), static_cast<size_t>(batch * channels * out * out));
    std::vector<float> reference(ours.size());
    for (int64_t plane = 0; plane < batch * channels; ++plane) {
      const float* in = x.data() + plane * size * size;
      if (kernel == 0) {
        double sum = 0;
        for (int64_t i = 0; i < size * size; ++i) sum += in[i];
        reference[plane] = static_cast<float>(sum / (size * size));
        continue;
      }
      for (int64_t oy = 0; oy < out; ++oy) {
        for (int64_t ox = 0; ox < out; ++ox) {
          float best = -std::numeric_limits<float>::infinity();
          for (int64_t y = oy * stride - padding; y < oy * stride - padding + kernel; ++y)
            for (int64_t x0 = ox * stride - padding; x0 < ox * stride - padding + kernel; ++x0)
              if (y >= 0 && y < size && x0 >= 0 && x0 < size)
                best = std::max(best, in[y * size + x0]);
          reference[(plane * out + oy) * out + ox] = best;
        }
      }
    }
    const double difference =
        test::relativeError(ours.data(), reference.data(), static_cast<int64_t>(ours.size()));
    QVERIFY2(difference <= 1e-6, qPrintable(QString::number(difference)));
  }

  // The work of a training step: the forward pass, every weight gradient, and input gradients
  // except the first layer's (its input needs none). Per sample, by hand: forward 1070888,
  // weight gradients 802816 + 262144 + 5120, input gradients 512 + 262144 + 256 + 5120 + 40.
  void trainingStepFlops() {
    const ModelSpec mlp = makeTemplate("mlp", {});
    ParameterStore params;
    Graph graph = Graph::build(withLoss(mlp, "SoftmaxCrossEntropy", {128, 10}), 128);
    params.ensure(graph, 1);
    Executor train(std::move(graph), params);
    QCOMPARE(train.flopsPerStep(), 2409040.0 * 128);
    Executor infer(Graph::build(mlp, 128), params, {ExecMode::infer});
    QCOMPARE(infer.flopsPerStep(), 1070848.0 * 128);
  }

  // A check is refused where what it needs and what earlier grants hold exceed what is left, and
  // never for nothing: with grants beyond what is left, an empty need (an optimizer without
  // state) passes and a MiB does not.
  void aNeedOfNothingIsNeverRefused() {
    const AvailableMemory left{int64_t{64} << 20, "/test", int64_t{512} << 20, int64_t{448} << 20};
    const MemoryReservation granted(size_t{100} << 20);
    MemoryNeed nothing("an optimizer's state tensors");
    nothing.checkAvailable("give less", left);
    MemoryNeed aMiB("a buffer");
    aMiB.add(size_t{1} << 20, "'b'");
    const std::string refused = test::errorOf([&] { aMiB.checkAvailable("give less", left); });
    QVERIFY2(
        refused.find("a buffer need 1 MiB ('b'); the memory cgroup /test allows 64 MiB more") !=
            std::string::npos,
        refused.c_str());
  }

  // Buffers share arena bytes only where their lives meet at no step: the largest is placed
  // first, each at the lowest offset clear of those in use beside it (64-byte aligned).
  void arenaSharesBytesBetweenLivesApart() {
    const ArenaPlan plan = planArena({{100, 0, 1}, {100, 2, 3}, {50, 1, 2}, {300, 0, 3}});
    QCOMPARE(plan.offsets[3], size_t{0});
    QCOMPARE(plan.offsets[0], size_t{320});
    QCOMPARE(plan.offsets[1], size_t{320});  // after the first 100, whose life has ended
    QCOMPARE(plan.offsets[2], size_t{448});  // meets both
    QCOMPARE(plan.bytes, size_t{512});
  }

  // A training step keeps its values and gradients in one arena by their lives: a value until
  // the last step that reads it, a gradient from the node that writes it to its producer's
  // backward. resnet18-cifar's need a fraction of one buffer per value and per gradient share;
  // what backward does not read (a BatchNorm's output under ReLU, a sum's) frees more.
  // tst_torch_parity checks the gradients so computed against PyTorch. Values and gradients in
  // the arena are not kept after the step, and reading one says so.
  void aStepHoldsWhatBackwardNeeds() {
    const int64_t batch = 4;
    const Graph graph = Graph::build(
        withLoss(makeTemplate("resnet18-cifar", {}), "SoftmaxCrossEntropy", {batch, 10}), batch);
    const std::vector<bool> needs = gradientValues(graph, true, false);
    std::vector<size_t> bytes;
    size_t onePerRead = 0;
    for (size_t v = 0; v < graph.values().size(); ++v) {
      bytes.push_back(static_cast<size_t>(numel(graph.values()[v].shape)) * sizeof(float));
      const size_t readers = gradientReaders(graph, static_cast<int>(v)).size();
      onePerRead += bytes[v] * (1 + (needs[v] ? 1 + (readers < 2 ? 0 : readers) : 0));
    }
    // Backward reading every value, then only what the CPU kernels read.
    BackwardReads everything, asKernelsDo;
    for (const GraphNode& node : graph.nodes()) {
      everything.inputs.emplace_back(node.inputs.size(), true);
      everything.output.push_back(true);
      const bool relu = node.opName == "ReLU", add = node.opName == "Add";
      asKernelsDo.inputs.emplace_back(node.inputs.size(), !relu && !add);
      asKernelsDo.output.push_back(relu || (node.opName != "BatchNorm2d" && !add));
    }
    const size_t keepingAll = placeTrainingStep(graph, needs, bytes, everything).arenaBytes;
    const size_t keepingRead = placeTrainingStep(graph, needs, bytes, asKernelsDo).arenaBytes;
    qInfo(
        "resnet18-cifar at batch %lld: %zu KiB one buffer per value and gradient share; "
        "arena %zu KiB, %zu KiB where backward reads every value",
        static_cast<long long>(batch), onePerRead >> 10, keepingRead >> 10, keepingAll >> 10);
    QVERIFY(keepingAll * 10 < onePerRead * 6);
    QVERIFY(keepingRead * 10 < keepingAll * 7);

    ParameterStore params;
    Graph trained =
        Graph::build(withLoss(makeTemplate("mlp", {}), "SoftmaxCrossEntropy", {batch, 10}), batch);
    params.ensure(trained, 1);
    Executor exec(std::move(trained), params);
    exec.setGradient("loss", {1.f});
    std::fill_n(static_cast<int32_t*>(exec.inputBuffer("label")), batch, 3);
    exec.forward();
    exec.backward();
    QVERIFY_THROWS_EXCEPTION(Error, exec.readGradient("fc1"));
    QVERIFY_THROWS_EXCEPTION(Error, exec.read("fc1"));
    QCOMPARE(exec.readGradient("loss"), std::vector<float>{1.f});
  }

  // The arena changes where values live, not what is computed: a resnet18-cifar step (BatchNorm
  // outputs and sums that no backward reads, shortcuts read twice) gives the same loss and
  // parameter gradients, to the bit, as one that keeps every value in a buffer of its own.
  void theArenaChangesNoResult() {
    const int64_t batch = 4;
    const ModelSpec spec =
        withLoss(makeTemplate("resnet18-cifar", {}), "SoftmaxCrossEntropy", {batch, 10});
    struct Run {
      float loss = 0;
      std::map<std::string, std::vector<float>> gradients;
    };
    auto step = [&](bool keepEveryValue) {
      ParameterStore params;
      Graph graph = Graph::build(spec, batch);
      params.ensure(graph, 7);
      ExecOptions options;
      options.keepEveryValue = keepEveryValue;
      Executor exec(std::move(graph), params, options);
      exec.setGradient("loss", {1.f});
      Random random(3);
      auto* image = static_cast<float*>(exec.inputBuffer("image"));
      for (int64_t i = 0; i < batch * 3 * 32 * 32; ++i) image[i] = random.normal();
      auto* labels = static_cast<int32_t*>(exec.inputBuffer("label"));
      for (int64_t i = 0; i < batch; ++i) labels[i] = static_cast<int32_t>(i % 10);
      exec.forward();
      exec.backward();
      Run run{exec.plainValue("loss")[0], {}};
      for (const auto& p : params.all())
        if (p.spec.trainable)
          run.gradients[p.name].assign(p.grad.data<float>(), p.grad.data<float>() + p.grad.numel());
      return run;
    };
    const Run shared = step(false), kept = step(true);
    QCOMPARE(shared.loss, kept.loss);
    QCOMPARE(shared.gradients.size(), kept.gradients.size());
    for (const auto& [name, gradient] : kept.gradients)
      QVERIFY2(shared.gradients.at(name) == gradient, name.c_str());
  }

  // Inference holds only the values alive at once (exec/step_arena.h): resnet18-cifar's frozen
  // pass (convolutions that compute their activation and add their shortcut in place) and
  // evaluation's plain one give, to the bit, what executors keeping every value give, pass after
  // pass, in a fraction of the bytes; reading a value that is not kept says so.
  void inferenceHoldsWhatIsAliveAtOnce_data() {
    QTest::addColumn<bool>("frozen");
    QTest::newRow("frozen") << true;
    QTest::newRow("evaluation") << false;
  }

  void inferenceHoldsWhatIsAliveAtOnce() {
    QFETCH(bool, frozen);
    const int64_t batch = 32;
    ParameterStore params;
    const ModelSpec spec = foldedTemplate("resnet18-cifar", params, 5);
    ExecOptions byLives{ExecMode::infer};
    byLives.frozen = frozen;
    ExecOptions every = byLives;
    every.keepEveryValue = true;
    const double shared = Executor::plannedNeed(Graph::build(spec, batch), params, byLives).total(),
                 kept = Executor::plannedNeed(Graph::build(spec, batch), params, every).total();
    qInfo(
        "resnet18-cifar inference at batch %lld: %.1f MiB by the values' lives, %.1f MiB "
        "keeping every value",
        static_cast<long long>(batch), shared / (1 << 20), kept / (1 << 20));
    QVERIFY2(shared * 2 < kept, std::to_string(shared / kept).c_str());
    Executor byLivesExec(Graph::build(spec, batch), params, byLives),
        everyExec(Graph::build(spec, batch), params, every);
    Random random(9);
    const std::string input = spec.inputs[0].name, output = spec.outputs[0];
    for (int pass = 0; pass < 2; ++pass) {
      auto* a = static_cast<float*>(byLivesExec.inputBuffer(input));
      auto* b = static_cast<float*>(everyExec.inputBuffer(input));
      for (int64_t i = 0; i < batch * numel(spec.inputs[0].shape); ++i)
        a[i] = b[i] = random.normal();
      byLivesExec.forward();
      everyExec.forward();
      QCOMPARE(byLivesExec.read(output), everyExec.read(output));
    }
    // Every value inside the graph that the executor keeping them all can read (frozen, not one
    // computed inside a kernel or summed over), the other refuses.
    int readable = 0;
    for (const GraphNode& node : everyExec.graph().nodes()) {
      const std::string value = everyExec.graph().values()[node.output].name;
      if (value == output) continue;
      try {
        everyExec.read(value);
      } catch (const Error&) {
        continue;
      }
      ++readable;
      QVERIFY_THROWS_EXCEPTION(Error, byLivesExec.read(value));
    }
    QVERIFY(readable > 10);
  }

  // placeInference's promise, pair by pair, on resnet18-cifar's inference graph with every sum
  // stored in a shortcut's buffer: values whose lives meet never share bytes, where a sum lives
  // in its shortcut's buffer for as long as either is read.
  void inferenceValuesWhoseLivesMeetNeverShareBytes() {
    ParameterStore params;
    const Graph graph = Graph::build(foldedTemplate("resnet18-cifar", params, 5), 2);
    const auto& values = graph.values();
    std::vector<size_t> bytes;
    std::vector<int> writer, storedIn(values.size(), -1), last;
    for (const GraphValue& value : values) {
      bytes.push_back(static_cast<size_t>(numel(value.shape)) * sizeof(float));
      writer.push_back(value.producer);
      last.push_back(value.consumers.empty() ? value.producer : value.consumers.back());
    }
    for (const GraphNode& node : graph.nodes())
      if (node.opName == "Add") storedIn[static_cast<size_t>(node.output)] = node.inputs[1];
    const StepPlacement placement = placeInference(graph, bytes, writer, storedIn);
    auto bufferOf = [&](size_t v) {
      while (storedIn[v] >= 0) v = static_cast<size_t>(storedIn[v]);
      return v;
    };
    auto inArena = [&](size_t v) {
      return values[v].producer >= 0 && placement.valueOffset[v] != StepPlacement::kOwnBuffer;
    };
    int pairs = 0;
    for (size_t x = 0; x < values.size(); ++x) {
      if (!inArena(x)) continue;
      QCOMPARE(placement.valueOffset[x], placement.valueOffset[bufferOf(x)]);
      for (size_t y = x + 1; y < values.size(); ++y) {
        if (!inArena(y) || bufferOf(x) == bufferOf(y)) continue;
        if (std::max(writer[x], writer[y]) > std::min(last[x], last[y])) continue;
        const size_t ax = placement.valueOffset[x], ay = placement.valueOffset[y];
        QVERIFY2(ax + bytes[bufferOf(x)] <= ay || ay + bytes[bufferOf(y)] <= ax,
                 (values[x].name + " and " + values[y].name).c_str());
        ++pairs;
      }
    }
    QVERIFY2(pairs > 30, std::to_string(pairs).c_str());
  }

  // Prediction and evaluation run chunks of the batch whose growth fits a budget, planned as the
  // executor will be: ResNet-50's at 224x224 with its values by their lives take a fraction of a
  // sample's bytes with every value kept (calibration's), so a chunk holds more samples; and an
  // executor of the chunk plans no more than the budget beyond one of a single sample.
  void theInferenceBudgetCountsWhatGrowsWithTheBatch() {
    ParameterStore params;
    const ModelSpec spec = foldedTemplate("resnet50", params, 3);
    ExecOptions frozen{ExecMode::infer}, every{ExecMode::infer};
    frozen.frozen = true;
    every.keepEveryValue = true;
    const int64_t byLives = bytesPerSample(spec, params, frozen),
                  all = bytesPerSample(spec, params, every);
    const int64_t chunk = batchWithinBudget(spec, params, frozen, 256),
                  chunkEvery = batchWithinBudget(spec, params, every, 256);
    qInfo(
        "resnet50 per sample: %.1f MiB by the values' lives, %.1f MiB keeping every value; "
        "chunks of %lld and %lld",
        byLives / 1048576.0, all / 1048576.0, static_cast<long long>(chunk),
        static_cast<long long>(chunkEvery));
    QVERIFY2(byLives * 3 < all, std::to_string(double(byLives) / double(all)).c_str());
    QVERIFY(chunk > chunkEvery);
    auto planned = [&](int64_t batch) {
      return static_cast<int64_t>(
          Executor::plannedNeed(Graph::build(spec, batch), params, frozen).total());
    };
    QVERIFY2(planned(chunk) - planned(1) <= kInferenceActivationBudget,
             std::to_string(planned(chunk) - planned(1)).c_str());
    QCOMPARE(batchWithinBudget(spec, params, frozen, 256, byLives * 3), int64_t{3});
    QCOMPARE(batchWithinBudget(spec, params, frozen, 2), int64_t{2});
  }

  // Executors of different batch sizes share one parameter store: a change is seen by both.
  void executorsShareParameters() {
    const ModelSpec spec = makeTemplate("mlp", {{"hidden", {8}}});
    ParameterStore params;
    Graph g1 = Graph::build(spec, 1);
    params.ensure(g1, 4);
    Executor one(std::move(g1), params, {ExecMode::infer});
    Executor three(Graph::build(spec, 3), params, {ExecMode::infer});
    std::fill_n(static_cast<float*>(one.inputBuffer("image")), 784, 0.5f);
    std::fill_n(static_cast<float*>(three.inputBuffer("image")), 3 * 784, 0.5f);
    one.forward();
    three.forward();
    const auto a = one.read("logits"), b = three.read("logits");
    // Same sample, same weights; another batch size may block the GEMM differently.
    for (int i = 0; i < 10; ++i) QVERIFY(std::abs(a[i] - b[20 + i]) <= 1e-5f * (1 + std::abs(a[i])));
    params.at("logits.bias").value.data<float>()[0] += 1.f;
    one.forward();
    QVERIFY(std::abs(one.read("logits")[0] - (a[0] + 1.f)) <= 1e-5f * (1 + std::abs(a[0])));
  }
};

QTEST_APPLESS_MAIN(TestExecutor)
#include "tst_executor.moc"
