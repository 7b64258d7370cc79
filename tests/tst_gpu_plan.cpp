// What the engine hands the CUDA backend, checked where no GPU is needed: the lowering of a graph
// into the plugin's plain-data plan follows the CPU executor's precision rules and gradient flow,
// and a job picks its device as docs/job-file.md says. The GPU side: tests/gpu/cuda_checks.
#include <dlfcn.h>

#include <QFile>
#include <QFileInfo>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <map>
#include <random>

#include "backend/cuda/activation_math.h"
#include "core/error.h"
#include "exec/device_choice.h"
#include "exec/executor.h"
#include "exec/gpu_executor.h"
#include "exec/gpu_loader.h"
#include "exec/gpu_monitor.h"
#include "graph/templates.h"
#include "normwise_error.h"
#include "profile/step_profile.h"

using namespace twb;

namespace {
Graph mlpGraph(int64_t batch) {
  return Graph::build(
      withLoss(makeTemplate("mlp", {{"hidden", {32, 16}}}, "test"), "SoftmaxCrossEntropy", {1, 10}),
      batch);
}

const gpu::PlanValue& value(const gpu::GpuPlan& plan, const std::string& name) {
  const auto it = std::find_if(plan.values.begin(), plan.values.end(),
                               [&](const gpu::PlanValue& v) { return v.name == name; });
  if (it == plan.values.end()) throw std::runtime_error("no value " + name);
  return *it;
}

// Whether a library of that name is mapped into this process.
bool mapped(const char* library) {
  QFile maps("/proc/self/maps");
  return maps.open(QIODevice::ReadOnly) && maps.readAll().contains(library);
}

const gpu::PlanNode& node(const gpu::GpuPlan& plan, const std::string& name) {
  return *std::find_if(plan.nodes.begin(), plan.nodes.end(),
                       [&](const gpu::PlanNode& n) { return n.name == name; });
}

}  // namespace

class TestGpuPlan : public QObject {
  Q_OBJECT
 private slots:
  void bf16FollowsThePrecisionPolicy() {
    GpuExecOptions options;
    options.precision = Precision::bf16;
    const gpu::GpuPlan plan = GpuExecutor::lower(mlpGraph(8), options);
    for (const char* name : {"fc1", "relu1", "fc2", "relu2", "logits"})
      QVERIFY2(node(plan, name).bf16, name);
    QVERIFY(!node(plan, "loss").bf16);      // the loss computes in fp32
    QVERIFY(!value(plan, "flatten").bf16);  // follows the f32 image
    QVERIFY(value(plan, "fc1").bf16 && value(plan, "relu2").bf16);
    QVERIFY(!value(plan, "logits").bf16);  // logits are cast back to f32
    QVERIFY(!value(plan, "loss").bf16);
    QCOMPARE(plan.loss, std::string("loss"));
  }

  void fp32HasNoBf16Anywhere() {
    const gpu::GpuPlan plan = GpuExecutor::lower(mlpGraph(8), {});
    for (const auto& n : plan.nodes) QVERIFY2(!n.bf16, n.name.c_str());
    for (const auto& v : plan.values) QVERIFY2(!v.bf16, v.name.c_str());
  }

  void gradientsFlowFromParametersToTheLoss() {
    const gpu::GpuPlan plan = GpuExecutor::lower(mlpGraph(8), {});
    QVERIFY(!value(plan, "image").gradient && !value(plan, "flatten").gradient);
    for (const char* name : {"fc1", "relu1", "fc2", "relu2", "logits", "loss"})
      QVERIFY2(value(plan, name).gradient, name);
    QVERIFY(value(plan, "label").labels && !value(plan, "label").gradient);
    GpuExecOptions inputs;
    inputs.inputGradients = true;
    QVERIFY(GpuExecutor::lower(mlpGraph(8), inputs).values[0].gradient);
    GpuExecOptions inference;
    inference.training = false;
    const gpu::GpuPlan infer = GpuExecutor::lower(mlpGraph(8), inference);
    QVERIFY(infer.loss.empty());
    for (const auto& v : infer.values) QVERIFY2(!v.gradient, v.name.c_str());
  }

  void parametersKeepTheGraphsOrderAndNames() {
    const Graph graph = mlpGraph(8);
    const gpu::GpuPlan plan = GpuExecutor::lower(graph, {});
    const auto expected = graph.parameters();
    QCOMPARE(plan.params.size(), expected.size());
    for (size_t p = 0; p < expected.size(); ++p) {
      QCOMPARE(plan.params[p].name, expected[p].first);
      QVERIFY(plan.params[p].shape == expected[p].second.shape);
    }
    const gpu::PlanNode& fc2 = node(plan, "fc2");
    QCOMPARE(fc2.params.size(), size_t{2});
    QCOMPARE(plan.params[fc2.params[0]].name, std::string("fc2.weight"));
    QCOMPARE(plan.params[fc2.params[1]].name, std::string("fc2.bias"));
  }

  // cuDNN's timed algorithms are remembered in the user's cache folder (XDG), which the plan
  // names for the backend; a test or tool may name another file, or none.
  void theTimedAlgorithmsGoInTheUsersCache() {
    const QByteArray saved = qgetenv("XDG_CACHE_HOME");
    qputenv("XDG_CACHE_HOME", "/tmp/twb-cache-test");
    const gpu::GpuPlan plan = GpuExecutor::lower(mlpGraph(4), {});
    QCOMPARE(plan.algorithmCache, std::string("/tmp/twb-cache-test/twb/cudnn-algorithms.json"));
    qunsetenv("XDG_CACHE_HOME");
    QCOMPARE(GpuExecOptions{}.algorithmCache,
             qEnvironmentVariable("HOME").toStdString() + "/.cache/twb/cudnn-algorithms.json");
    GpuExecOptions none;
    none.algorithmCache.clear();
    QVERIFY(GpuExecutor::lower(mlpGraph(4), none).algorithmCache.empty());
    if (!saved.isNull()) qputenv("XDG_CACHE_HOME", saved);
  }

  // Without the NVIDIA driver a job that names no device trains on the CPU, and finding that out
  // loads nothing (the backend maps cuBLASLt, about 0.35 s); "cpu" never loads it either. A job
  // that asks for a GPU loads the backend, which says why there is none.
  void aJobWithoutADeviceTrainsWhereItCan() {
    QCOMPARE(chooseDevice("cpu", mlpGraph(4)).name, std::string("cpu"));
    if (QFileInfo::exists("/dev/nvidiactl")) QSKIP("this machine has the NVIDIA driver");
    const DeviceChoice choice = chooseDevice("", mlpGraph(4));
    QCOMPARE(choice.cuda, -1);
    QCOMPARE(choice.name, std::string("cpu"));
    QVERIFY(choice.note.empty());  // nothing to explain on a machine without a GPU
    QVERIFY(!mapped("libtwb-cuda.so"));
    const QString plugin = qEnvironmentVariable("TWB_CUDA_BACKEND");
    if (!QFileInfo::exists(plugin)) QSKIP("no CUDA backend built: nothing more to load");
    try {
      chooseDevice("cuda", mlpGraph(4));
      QFAIL("a GPU job on a machine without the NVIDIA driver was accepted");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).starts_with("device: cuda asked for, but "), e.what());
    }
    QVERIFY(mapped("libtwb-cuda.so"));
  }

  // Unasked, a job trains on a GPU only where every op of its model has run on one against the
  // CPU backend (the backend's newer kernels wait for a GPU run); each op is named once.
  void opsNotCheckedOnAGpuAreNamedOnce() {
    QVERIFY(opsNotCheckedOnAGpu(mlpGraph(4)).empty());
    const Graph vit = Graph::build(makeTemplate("vit-tiny", nullptr, "test"), 2);
    const std::vector<std::string> unchecked = opsNotCheckedOnAGpu(vit);
    for (const char* op : {"LayerNorm", "MatMul", "Softmax", "Transpose", "GELU"})
      QVERIFY2(std::count(unchecked.begin(), unchecked.end(), op) == 1, op);
    for (const char* op : {"Conv2d", "Linear", "Add"})
      QVERIFY2(std::count(unchecked.begin(), unchecked.end(), op) == 0, op);
  }

  // A GPU's profiled step becomes the same profile as the CPU's: every layer, FLOPs counted as
  // the CPU executor counts them, starts placed on the profiler's clock.
  void aGpuProfileCountsLikeTheCpus() {
    const auto cnn = withLoss(makeTemplate("cnn-small", {{"batch_norm", true}}, "test"),
                              "SoftmaxCrossEntropy", {1, 10});
    const Graph graph = Graph::build(cnn, 8);
    ParameterStore params;
    params.ensure(graph, 1);
    Executor cpu(Graph::build(cnn, 8), params, {ExecMode::train});
    cpu.setGradient("loss", {1.f});
    const gpu::GpuPlan plan = GpuExecutor::lower(graph, {});
    std::vector<gpu::NodeTimes> times(graph.nodes().size());
    for (size_t n = 0; n < times.size(); ++n)
      times[n] = {0.5 * n, 0.25, 10.0 + 0.5 * (times.size() - 1 - n), 0.5, "cuDNN"};
    const StepProfile p = StepProfile::fromGpu(graph, plan, times, 1000.0);
    QCOMPARE(p.layers.size(), graph.nodes().size());
    double flops = 0;
    for (const LayerProfile& l : p.layers) flops += l.flops;
    QCOMPARE(flops, cpu.flopsPerStep());
    const LayerProfile& conv2 = p.layers[4];
    QCOMPARE(conv2.name, std::string("conv2"));
    QCOMPARE(conv2.startUs, 1000.0 + 1e3 * 0.5 * 4);
    QCOMPARE(conv2.backwardMs, 0.5);
    QCOMPARE(conv2.parameters, int64_t{64 * 32 * 9});
    QCOMPARE(conv2.kernel, std::string("cuDNN"));
  }

  // NVML comes with the NVIDIA driver: where it is missing, the GPU monitor says so by name (and
  // a GPU run logs that instead of its load).
  void withoutNvmlTheGpuMonitorSaysWhy() {
    if (void* nvml = dlopen("libnvidia-ml.so.1", RTLD_LAZY)) {
      dlclose(nvml);
      QSKIP("this machine has NVML");
    }
    std::string whyNot;
    QVERIFY(!GpuMonitor::open("0000:3b:00.0", &whyNot));
    QVERIFY2(whyNot.starts_with("libnvidia-ml.so.1 cannot be loaded: "), whyNot.c_str());
  }

  // The plugin says without a GPU which ops it runs and how much memory a plan needs (after the
  // test above, which needs it not loaded yet).
  // The CUDA kernels' activations (activation_math.h, compiled for the host here) against the
  // CPU backend's (oneDNN's eltwise) on the same inputs and output gradients, each op with its
  // attributes as the GPU plan hands them to the plugin: the formulas are checked where there is
  // no GPU; tests/gpu/cuda_checks runs the kernels themselves against the CPU.
  void theGpuActivationsComputeTheCpusFormulas() {
    const std::map<std::string, nlohmann::json> attrs{{"LeakyReLU", {{"negative_slope", 0.2}}},
                                                      {"ELU", {{"alpha", 0.7}}},
                                                      {"HardSigmoid", {{"alpha", 0.3}}},
                                                      {"Pow", {{"exponent", 1.5}}},
                                                      {"Scale", {{"factor", -0.7}}},
                                                      {"Clip", {{"min", -0.5}, {"max", 0.8}}}};
    for (const char* op : gpu::kActivationOps) {
      const std::string name = op;
      const bool positive = name == "Sqrt" || name == "Pow" || name == "Log";  // for x > 0 only
      const nlohmann::json opAttrs = attrs.count(name) ? attrs.at(name) : nlohmann::json::object();
      ModelSpec spec;
      spec.name = "activation";
      spec.inputs = {{"x", {999}, DType::f32}};
      spec.nodes = {{"act", name, {"x"}, opAttrs}};
      spec.outputs = {"act"};
      const Graph graph = Graph::build(spec, 3);
      const gpu::GpuPlan plan = GpuExecutor::lower(graph, {});
      const gpu::PlanNode& planned = node(plan, "act");
      const gpu::Activation f = gpu::activationOf(
          planned.op, [&](const char* a) { return planned.attrs.at(a).get<double>(); });

      ParameterStore params;
      ExecOptions options;
      options.inputGradients = true;
      Executor cpu(Graph::build(spec, 3), params, options);
      std::mt19937 rng(5);
      std::normal_distribution<float> normal(0.f, 2.f);
      std::uniform_real_distribution<float> uniform(0.05f, 4.f);
      auto* x = static_cast<float*>(cpu.inputBuffer("x"));
      std::vector<float> dy(3 * 999), y(dy.size()), dx(dy.size());
      // The first inputs sit on the ops' boundaries (ReLU's 0, Hardswish's +-3, ReLU6's 6,
      // Clip's bounds), where the two backends must pick the same side.
      const float boundaries[] = {0.f, -3.f, 3.f, 6.f, -0.5f, 0.8f};
      for (size_t i = 0; i < dy.size(); ++i) {
        x[i] = positive ? uniform(rng) : i < std::size(boundaries) ? boundaries[i] : normal(rng);
        dy[i] = normal(rng);
        y[i] = f(x[i]);
        dx[i] = f.gradient(x[i], dy[i]);
      }
      cpu.setGradient("act", dy);
      cpu.forward();
      cpu.backward();
      const double forward = twb::test::normwiseError(y, cpu.read("act"));
      const double backward = twb::test::normwiseError(dx, cpu.readGradient("x"));
      QVERIFY2(forward <= 1e-5 && backward <= 1e-5,
               (name + ": y within " + std::to_string(forward) + ", dx within " +
                std::to_string(backward))
                   .c_str());
    }
  }

  void theBackendRunsTheConvolutionalTemplates() {
    std::string whyNot;
    gpu::GpuBackend* backend = findGpuBackend(&whyNot);
    if (!backend) QSKIP(whyNot.c_str());
    const std::vector<std::string> ops = backend->ops();
    for (const char* name : {"cnn-small", "resnet18-cifar", "resnet50"}) {
      const Graph graph = Graph::build(
          withLoss(makeTemplate(name, nullptr, "test"), "SoftmaxCrossEntropy", {1, 10}), 2);
      for (const GraphNode& n : graph.nodes())
        QVERIFY2(std::find(ops.begin(), ops.end(), n.opName) != ops.end(),
                 (std::string(name) + ": " + n.opName).c_str());
    }
  }

  // cuDNN's workspace (256 MiB, for its faster algorithms) is counted before a plan is
  // compiled, so that a plan that does not fit is refused with the right numbers.
  void aConvolutionPlanCountsCudnnsWorkspace() {
    std::string whyNot;
    gpu::GpuBackend* backend = findGpuBackend(&whyNot);
    if (!backend) QSKIP(whyNot.c_str());
    const auto cnn =
        withLoss(makeTemplate("cnn-small", nullptr, "test"), "SoftmaxCrossEntropy", {1, 10});
    const int64_t withConvolutions =
        backend->planBytes(GpuExecutor::lower(Graph::build(cnn, 4), {}));
    const int64_t mlpOnly = backend->planBytes(GpuExecutor::lower(mlpGraph(4), {}));
    QVERIFY2(withConvolutions >= (int64_t(256) << 20), std::to_string(withConvolutions).c_str());
    QVERIFY2(mlpOnly < (int64_t(64) << 20), std::to_string(mlpOnly).c_str());
  }

  // Channels-last, a Flatten of an image reorders it into buffers of its own, and every
  // convolution keeps its weights and their gradient in cuDNN's order besides the masters.
  void aChannelsLastPlanHoldsItsReorderedBuffers() {
    std::string whyNot;
    gpu::GpuBackend* backend = findGpuBackend(&whyNot);
    if (!backend) QSKIP(whyNot.c_str());
    const Graph graph = Graph::build(
        withLoss(makeTemplate("cnn-small", nullptr, "test"), "SoftmaxCrossEntropy", {1, 10}), 16);
    GpuExecOptions options;
    const int64_t planar = backend->planBytes(GpuExecutor::lower(graph, options));
    options.channelsLast = true;
    const int64_t last = backend->planBytes(GpuExecutor::lower(graph, options));
    const int64_t flattened = 4 * numel(graph.values()[graph.valueIndex("flatten")].shape);
    int64_t weights = 0;
    for (const GraphNode& node : graph.nodes())
      if (node.opName == "Conv2d") weights += 4 * numel(node.params[0].shape);
    QVERIFY2(last - planar >= 2 * flattened + 2 * weights,
             (std::to_string(last - planar) + " more bytes").c_str());
  }
};

QTEST_APPLESS_MAIN(TestGpuPlan)
#include "tst_gpu_plan.moc"
