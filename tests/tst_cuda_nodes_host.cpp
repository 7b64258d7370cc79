// The CUDA backend's tensor nodes (backend/cuda/tensor_nodes.cpp: softmax, layer norm,
// transpose, reshape, learned tensors, reductions, batched products) run on the host against the
// CPU backend. launchItems is defined here to run a kernel's per-item functor in a loop on the
// CPU, so each node's shapes, strides, types, gradients and accumulation are checked where there
// is no GPU; what only a GPU runs (the grid-stride launch, item_kernels.cu) is left to
// tests/gpu/cuda_checks, which runs the same ops there.
#include <cuda_bf16.h>

#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

#include "backend/cpu/cpu_kernel.h"
#include "backend/cuda/item_kernels.h"
#include "backend/cuda/memory_plan.h"
#include "backend/cuda/tensor_nodes.h"
#include "exec/executor.h"
#include "exec/gpu_executor.h"
#include "graph/templates.h"
#include "normwise_error.h"

namespace twb::gpu {
template <typename F>
void launchItems(const F& f, int64_t items, const char*, cudaStream_t) {
  for (int64_t i = 0; i < items; ++i) f(i);
}
#define TWB_INSTANTIATE(...) \
  template void launchItems<__VA_ARGS__>(const __VA_ARGS__&, int64_t, const char*, cudaStream_t);
TWB_ITEM_FUNCTORS(TWB_INSTANTIATE)
}  // namespace twb::gpu

using namespace twb;

namespace {
// A buffer of a plan value or gradient on the host, in the type the plan stores it in.
struct HostBuffer {
  std::vector<float> f32;
  std::vector<__nv_bfloat16> bf16;
  bool isBf16 = false;

  HostBuffer(int64_t n, bool asBf16, float fill) : isBf16(asBf16) {
    if (asBf16)
      bf16.assign(static_cast<size_t>(n), __float2bfloat16(fill));
    else
      f32.assign(static_cast<size_t>(n), fill);
  }
  void* data() { return isBf16 ? static_cast<void*>(bf16.data()) : f32.data(); }
  std::vector<float> read() const {
    if (!isBf16) return f32;
    std::vector<float> out;
    for (const auto& v : bf16) out.push_back(__bfloat162float(v));
    return out;
  }
  void write(const std::vector<float>& values) {
    if (!isBf16) return void(f32 = values);
    for (size_t i = 0; i < values.size(); ++i) bf16[i] = __float2bfloat16(values[i]);
  }
};

struct Case {
  const char* name;
  ModelSpec spec;
  int ids = 0;  // inputs are whole numbers in [0, ids) (an Embedding's); 0: any
};

ModelSpec model(std::vector<InputSpec> inputs, std::vector<NodeSpec> nodes,
                std::vector<std::string> outputs) {
  ModelSpec spec;
  spec.name = "tensor-ops";
  spec.inputs = std::move(inputs);
  spec.nodes = std::move(nodes);
  spec.outputs = std::move(outputs);
  return spec;
}

InputSpec input(const char* name, Shape shape) { return {name, std::move(shape), DType::f32}; }

std::vector<Case> cases() {
  return {
      {"Softmax, last axis", model({input("x", {4, 5, 7})}, {{"y", "Softmax", {"x"}, {}}}, {"y"})},
      {"Softmax, a middle axis",
       model({input("x", {6, 5})}, {{"y", "Softmax", {"x"}, {{"axis", 1}}}}, {"y"})},
      {"LogSoftmax",
       model({input("x", {3, 8, 2})}, {{"y", "LogSoftmax", {"x"}, {{"axis", 2}}}}, {"y"})},
      {"LayerNorm", model({input("x", {5, 12})}, {{"y", "LayerNorm", {"x"}, {}}}, {"y"})},
      {"LayerNorm without parameters",
       model({input("x", {5, 12})}, {{"y", "LayerNorm", {"x"}, {{"affine", false}}}}, {"y"})},
      {"Transpose (0, 2, 3, 1)",
       model({input("x", {3, 4, 5})}, {{"y", "Transpose", {"x"}, {{"perm", {0, 2, 3, 1}}}}},
             {"y"})},
      {"Transpose (0, 2, 1)",
       model({input("x", {4, 6})}, {{"y", "Transpose", {"x"}, {{"perm", {0, 2, 1}}}}}, {"y"})},
      {"Reshape",
       model({input("x", {4, 6})}, {{"y", "Reshape", {"x"}, {{"shape", {6, 4}}}}}, {"y"})},
      {"Bias over the batch",
       model({input("x", {5, 6})}, {{"y", "Bias", {"x"}, {{"shape", {5, 6}}}}}, {"y"})},
      {"Bias over the batch and rows",
       model({input("x", {4, 6})}, {{"y", "Bias", {"x"}, {{"shape", {6}}}}}, {"y"})},
      {"LayerScale per channel",
       model({input("x", {4, 3, 3})}, {{"y", "LayerScale", {"x"}, {{"shape", {4, 1, 1}}}}}, {"y"})},
      {"ReduceMean, keepdims false",
       model({input("x", {5, 6})},
             {{"y", "ReduceMean", {"x"}, {{"axes", {1}}, {"keepdims", false}}}}, {"y"})},
      {"ReduceSum of two axes",
       model({input("x", {3, 4, 5})}, {{"y", "ReduceSum", {"x"}, {{"axes", {1, -1}}}}}, {"y"})},
      {"MatMul", model({input("a", {3, 4, 5}), input("b", {3, 5, 2})},
                       {{"y", "MatMul", {"a", "b"}, {}}}, {"y"})},
      {"Mul, broadcast on each side",
       model({input("a", {5, 1}), input("b", {1, 6})}, {{"y", "Mul", {"a", "b"}, {}}}, {"y"})},
      {"Sub",
       model({input("a", {4, 6}), input("b", {4, 1})}, {{"y", "Sub", {"a", "b"}, {}}}, {"y"})},
      {"Div",
       model({input("a", {4, 6}), input("b", {1, 6})}, {{"y", "Div", {"a", "b"}, {}}}, {"y"})},
      {"Concat of three", model({input("a", {2, 5}), input("b", {3, 5}), input("c", {1, 5})},
                                {{"y", "Concat", {"a", "b", "c"}, {{"axis", 1}}}}, {"y"})},
      {"Concat along the last axis", model({input("a", {4, 2}), input("b", {4, 3})},
                                           {{"y", "Concat", {"a", "b"}, {{"axis", 2}}}}, {"y"})},
      {"Slice", model({input("x", {7, 4})},
                      {{"y", "Slice", {"x"}, {{"axis", 1}, {"start", 2}, {"end", 5}}}}, {"y"})},
      {"Pad", model({input("x", {3, 4})},
                    {{"y", "Pad", {"x"}, {{"axis", 1}, {"before", 2}, {"after", 1}}}}, {"y"})},
      {"PrependTokens",
       model({input("x", {4, 6})}, {{"y", "PrependTokens", {"x"}, {{"count", 2}}}}, {"y"})},
      {"MSE",
       model({input("p", {4, 6}), input("t", {4, 6})}, {{"err", "MSE", {"p", "t"}, {}}}, {"err"})},
      // Under bf16 the product, and so the prediction, is bf16.
      {"MSE of a product",
       model({input("p", {4, 6}), input("q", {4, 6}), input("t", {4, 6})},
             {{"product", "Mul", {"p", "q"}, {}}, {"err", "MSE", {"product", "t"}, {}}}, {"err"})},
      {"Embedding",
       model({input("ids", {5})},
             {{"y", "Embedding", {"ids"}, {{"num_embeddings", 7}, {"embedding_dim", 4}}}}, {"y"}),
       7},
      // x is read by two nodes: the second gradient written into it adds to the first.
      {"two readers of one value", model({input("x", {4, 6})},
                                         {{"t", "Transpose", {"x"}, {{"perm", {0, 2, 1}}}},
                                          {"n", "LayerNorm", {"x"}, {}},
                                          {"y", "MatMul", {"n", "t"}, {}}},
                                         {"y"})},
  };
}

// Runs `spec` forward and backward on the CPU executor and, node by node, on the CUDA backend's
// tensor nodes over host buffers, with the same weights, inputs and output gradients; returns
// the worst relative difference and where it is.
double worstDifference(const ModelSpec& spec, int ids, Precision precision, std::string& where) {
  const int64_t batch = 3;
  const Graph graph = Graph::build(spec, batch);
  ParameterStore params;
  params.ensure(graph, 7);
  std::mt19937 rng(11);
  std::normal_distribution<float> normal(0.f, 1.f);
  for (Parameter& p : params.all())  // not the ones and zeros layer norm starts from
    for (int64_t i = 0; i < p.value.numel(); ++i) p.value.data<float>()[i] = normal(rng);
  ExecOptions options;
  options.inputGradients = true;
  options.precision = precision;
  options.keepEveryValue = true;  // every value and gradient is compared
  Executor cpu(Graph::build(spec, batch), params, options);

  GpuExecOptions gpuOptions;
  gpuOptions.precision = precision;
  gpuOptions.inputGradients = true;
  const gpu::GpuPlan plan = GpuExecutor::lower(graph, gpuOptions);
  std::vector<HostBuffer> values, grads;
  // Gradients start as a step before left them (here 7): a node that writes one, rather than
  // adding to it, must write every element.
  for (const gpu::PlanValue& v : plan.values) {
    values.emplace_back(gpu::elementsOf(v.shape), v.bf16, 0.f);
    grads.emplace_back(gpu::elementsOf(v.shape), v.bf16, 7.f);
  }
  for (int v : plan.inputs) {
    const std::string& name = plan.values[v].name;
    auto* x = static_cast<float*>(cpu.inputBuffer(name));
    std::vector<float> given(values[v].f32.size());
    for (float& g : given) g = ids ? static_cast<float>(rng() % ids) : normal(rng);
    std::memcpy(x, given.data(), given.size() * 4);
    values[v].write(given);
  }
  std::vector<std::vector<float>> weights, weightGrads;
  for (const gpu::PlanParam& p : plan.params) {
    const Tensor& t = params.at(p.name).value;
    weights.emplace_back(t.data<float>(), t.data<float>() + t.numel());
    weightGrads.emplace_back(t.numel(), 7.f);
  }

  // The session's accumulate flags: backward runs the nodes in reverse, and every reader of a
  // value after the first to write its gradient adds to it.
  std::vector<std::unique_ptr<gpu::CudaNode>> nodes(plan.nodes.size());
  std::vector<std::vector<float>> stats(plan.nodes.size());
  std::vector<unsigned long long> firstBad(plan.nodes.size(), 0);
  std::vector<bool> written(plan.values.size(), false);
  for (size_t n = plan.nodes.size(); n-- > 0;) {
    const gpu::PlanNode& node = plan.nodes[n];
    gpu::NodeBuffers b;
    for (int v : node.inputs) {
      b.inputs.push_back(values[v].data());
      b.inputBf16.push_back(plan.values[v].bf16);
      b.inputGrads.push_back(plan.values[v].gradient ? grads[v].data() : nullptr);
      b.accumulate.push_back(written[v]);
      written[v] = true;
    }
    b.output = values[node.output].data();
    b.outputGrad = grads[node.output].data();
    b.outputBf16 = plan.values[node.output].bf16;
    for (int p : node.params) {
      b.params.push_back(weights[p].data());
      b.paramGrads.push_back(weightGrads[p].data());
    }
    // Layer norm's saved statistics, a loss's per-row sums: no node needs more than this.
    stats[n].assign(2 * static_cast<size_t>(gpu::elementsOf(plan.values[node.inputs[0]].shape)),
                    0.f);
    b.batchStats = b.rowLoss = stats[n].data();
    b.firstBad = &firstBad[n];
    nodes[n] = gpu::makeTensorNode(plan, node, b);
    if (!nodes[n]) throw std::runtime_error(node.op + " is not a tensor node");
  }

  for (int v : graph.outputs()) {
    std::vector<float> grad(values[v].read().size());
    for (float& g : grad) g = normal(rng);
    cpu.setGradient(plan.values[v].name, grad);
    grads[v].write(grad);
  }
  cpu.forward();
  cpu.backward();
  for (auto& node : nodes) node->forward(nullptr);
  for (size_t n = nodes.size(); n-- > 0;) nodes[n]->backward(nullptr);
  for (size_t n = 0; n < nodes.size(); ++n)  // an Embedding saw no bad id: its slot was reset
    if (plan.nodes[n].op == "Embedding" && firstBad[n] != ~0ull)
      throw std::runtime_error("an Embedding flagged position " + std::to_string(firstBad[n]));

  double worst = 0;
  auto compare = [&](const std::string& name, const std::vector<float>& mine,
                     const std::vector<float>& reference) {
    const double e = twb::test::normwiseError(mine, reference);
    if (e > worst || std::isinf(e)) worst = e, where = name;
  };
  for (size_t v = 0; v < plan.values.size(); ++v) {
    const std::string& name = plan.values[v].name;
    compare(name, values[v].read(), cpu.read(name));
    if (plan.values[v].gradient) compare("d" + name, grads[v].read(), cpu.readGradient(name));
  }
  for (size_t p = 0; p < plan.params.size(); ++p) {
    const Tensor& g = params.at(plan.params[p].name).grad;
    compare("d" + plan.params[p].name, weightGrads[p],
            std::vector<float>(g.data<float>(), g.data<float>() + g.numel()));
  }
  return worst;
}
}  // namespace

class TestCudaNodesHost : public QObject {
  Q_OBJECT
 private slots:
  void everyTensorNodeMatchesTheCpu_data() {
    QTest::addColumn<int>("index");
    QTest::addColumn<bool>("bf16");
    const auto all = cases();
    for (size_t i = 0; i < all.size(); ++i)
      for (bool bf16 : {false, true})
        QTest::newRow((std::string(all[i].name) + (bf16 ? ", bf16" : ", fp32")).c_str())
            << static_cast<int>(i) << bf16;
  }

  // fp32 within 1e-5; bf16 within 1e-2 (values stored in bf16 round differently where the two
  // backends order their sums differently), against the CPU in bf16.
  void everyTensorNodeMatchesTheCpu() {
    QFETCH(int, index);
    QFETCH(bool, bf16);
    if (bf16 && !bf16Unavailable().empty()) QSKIP(bf16Unavailable().c_str());
    const Case c = cases()[static_cast<size_t>(index)];
    std::string where;
    const double worst =
        worstDifference(c.spec, c.ids, bf16 ? Precision::bf16 : Precision::fp32, where);
    const double tolerance = bf16 ? 1e-2 : 1e-5;
    QVERIFY2(worst <= tolerance,
             (std::string(c.name) + ": worst " + std::to_string(worst) + " at " + where).c_str());
  }

  // Each tensor op the backend lists, which a job's device check trusts, has a case above
  // (Dropout, whose masks are not the CPU's, has its own test below).
  void everyTensorOpHasACase() {
    const auto all = cases();
    for (const std::string& op : gpu::tensorOps()) {
      if (op == "Dropout") continue;
      const bool covered = std::any_of(all.begin(), all.end(), [&](const Case& c) {
        return std::any_of(c.spec.nodes.begin(), c.spec.nodes.end(),
                           [&](const NodeSpec& n) { return n.op == op; });
      });
      QVERIFY2(covered, op.c_str());
    }
  }

  // Dropout draws each element's mask from the step's seed, the node and the element: a rate of
  // p zeroed, the rest scaled by 1 / (1 - p), backward through the same mask, the same mask for
  // the same seed and another for the next step's; in inference, the input unchanged.
  void dropoutDrawsItsMaskFromTheStepSeed() {
    const float p = 0.3f;
    const ModelSpec spec =
        model({input("x", {100, 100})}, {{"y", "Dropout", {"x"}, {{"p", p}}}}, {"y"});
    const int64_t batch = 3, n = batch * 100 * 100;
    std::vector<float> x(n), dy(n), y(n), dx(n, 7.f);
    std::mt19937 rng(3);
    std::normal_distribution<float> normal(0.f, 1.f);
    for (int64_t i = 0; i < n; ++i) x[i] = normal(rng), dy[i] = normal(rng);
    gpu::StepScalars scalars;
    auto run = [&](bool training, uint64_t seed, bool accumulate) {
      GpuExecOptions options;
      options.training = training;
      const gpu::GpuPlan plan = GpuExecutor::lower(Graph::build(spec, batch), options);
      gpu::NodeBuffers b;
      b.inputs = {x.data()};
      b.inputBf16 = {false};
      b.inputGrads = {dx.data()};
      b.accumulate = {accumulate};
      b.output = y.data();
      b.outputGrad = dy.data();
      b.scalars = &scalars;
      scalars.seed = seed;
      const auto node = gpu::makeTensorNode(plan, plan.nodes[0], b);
      node->forward(nullptr);
      if (training) node->backward(nullptr);
    };
    run(true, 41, false);
    int64_t zeroed = 0;
    for (int64_t i = 0; i < n; ++i) {
      const bool kept = y[i] != 0.f;
      zeroed += !kept;
      QCOMPARE(y[i], kept ? x[i] / (1.f - p) : 0.f);
      QCOMPARE(dx[i], kept ? dy[i] / (1.f - p) : 0.f);
    }
    QVERIFY2(std::abs(double(zeroed) / n - p) < 0.015, std::to_string(zeroed).c_str());
    const std::vector<float> first = y, firstGrad = dx;
    run(true, 41, true);  // the same seed: the same mask; backward adds to what dx holds
    QVERIFY(y == first);
    for (int64_t i = 0; i < n; ++i) QCOMPARE(dx[i], 2 * firstGrad[i]);
    run(true, 42, false);  // the next step's seed: about 2 p (1 - p) of the elements change
    int64_t changed = 0;
    for (int64_t i = 0; i < n; ++i) changed += (y[i] == 0.f) != (first[i] == 0.f);
    QVERIFY2(std::abs(double(changed) / n - 2 * p * (1 - p)) < 0.02,
             std::to_string(changed).c_str());
    run(false, 42, false);
    QVERIFY(y == x);
  }

  // An id that is not a whole number within the table gives a zero row and marks the first such
  // position, which the node reports after the step (as the CPU backend stops at it).
  void anEmbeddingMarksItsFirstBadId() {
    const ModelSpec spec =
        model({input("ids", {4})},
              {{"y", "Embedding", {"ids"}, {{"num_embeddings", 3}, {"embedding_dim", 2}}}}, {"y"});
    const gpu::GpuPlan plan = GpuExecutor::lower(Graph::build(spec, 2), {});
    std::vector<float> ids{0, 2, 1, 1, 2, 3, 1.5f, -1}, table{1, 2, 3, 4, 5, 6}, y(16, 9.f);
    unsigned long long firstBad = 0;
    gpu::NodeBuffers b;
    b.inputs = {ids.data()};
    b.inputBf16 = {false};
    b.output = y.data();
    b.params = {table.data()};
    b.paramGrads = {nullptr};
    b.firstBad = &firstBad;
    const auto node = gpu::makeTensorNode(plan, plan.nodes[0], b);
    node->forward(nullptr);
    QCOMPARE(firstBad, 5ull);  // 3 is past the table's 3 rows; 1.5 and -1 come later
    QCOMPARE(y, std::vector<float>({1, 2, 5, 6, 3, 4, 3, 4, 5, 6, 0, 0, 0, 0, 0, 0}));
    ids[5] = 0;
    node->forward(nullptr);
    QCOMPARE(firstBad, 6ull);  // each forward starts afresh
  }

  // A channels-last plan stores rank-4 values NHWC, which these nodes do not read: refused with
  // the reason, and a job's layout choice keeps such graphs NCHW.
  void channelsLastPlansOfSuchGraphsAreRefused() {
    const std::vector<Case> all = cases();
    const auto transpose = std::find_if(all.begin(), all.end(), [](const Case& c) {
      return std::string(c.name) == "Transpose (0, 2, 3, 1)";  // of a rank-4 value
    });
    QVERIFY(transpose != all.end());
    const ModelSpec spec = transpose->spec;
    const Graph graph = Graph::build(spec, 2);
    QVERIFY(!channelsLastFor(graph, Precision::bf16, false));
    for (const char* name : {"cnn-small", "mobilenet-v2-cifar", "vit-tiny"}) {
      const Graph whole = Graph::build(makeTemplate(name, nullptr, "test"), 2);
      QCOMPARE(channelsLastFor(whole, Precision::bf16, false), std::string(name) != "vit-tiny");
      QVERIFY(!channelsLastFor(whole, Precision::fp32, false));  // fp32 on FMA stays NCHW
    }
    GpuExecOptions options;
    options.channelsLast = true;
    const gpu::GpuPlan plan = GpuExecutor::lower(graph, options);
    gpu::NodeBuffers b;
    try {
      gpu::makeTensorNode(plan, plan.nodes[0], b);
      QFAIL("a channels-last transpose of a rank-4 value was accepted");
    } catch (const Error& e) {
      QVERIFY2(std::string(e.what()).find("channels-last") != std::string::npos, e.what());
    }
  }
};

QTEST_APPLESS_MAIN(TestCudaNodesHost)
#include "tst_cuda_nodes_host.moc"
