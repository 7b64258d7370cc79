// Training steps of a model on the GPU through the CUDA backend, for tests/bench/bench_cuda.py,
// which runs PyTorch eager on the same model, batch and optimizer beside it. Random inputs (no
// data loading); every step copies its inputs in (the next step's on the copy stream while this
// one computes) and its loss and logits out, as training does.
//   bench_cuda_steps MODEL_JSON BATCH fp32|tf32|bf16 STEPS [--eager] [--nchw | --nhwc]
// (images' layout on the GPU: by default the trainer's, NHWC in bf16 and TF32)
// prints one JSON line: samples/s, ms/step, TFLOP/s of the step and cuBLASLt's peak for the
// precision, measured in the same process.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <optional>
#include <random>
#include <string>

#include "core/error.h"
#include "exec/gpu_executor.h"
#include "exec/gpu_loader.h"
#include "graph/templates.h"

using namespace twb;

namespace {
// FLOPs of a training step's products: per Linear 2 rows in out for the forward product, per
// convolution 2 outputs (in / groups) kh kw; as much again for the weight gradient and, where
// the input wants one, for the input gradient.
double stepFlops(const gpu::GpuPlan& plan) {
  double flops = 0;
  for (const auto& node : plan.nodes) {
    const auto& in = plan.values[node.inputs[0]];
    const Shape& out = plan.values[node.output].shape;
    double forward = 0;
    if (node.op == "Linear") {
      forward = 2.0 * numel(out) * in.shape.back();
    } else if (node.op == "Conv2d") {
      const Shape& w = plan.params[node.params[0]].shape;  // (out, in / groups, kh, kw)
      forward = 2.0 * numel(out) * w[1] * w[2] * w[3];
    }
    flops += forward * (in.gradient ? 3 : 2);
  }
  return flops;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr,
                 "usage: bench_cuda_steps MODEL_JSON BATCH fp32|tf32|bf16 STEPS [--eager] "
                 "[--nchw | --nhwc] [--nondeterministic]\n");
    return 2;
  }
  // Each phase's time on stderr, as it ends: what a run cut at its time limit got through.
  auto lap = std::chrono::steady_clock::now();
  auto phaseDone = [&lap](const char* phase) {
    const auto now = std::chrono::steady_clock::now();
    std::fprintf(stderr, "%s: %.1f s\n", phase, std::chrono::duration<double>(now - lap).count());
    lap = now;
  };
  try {
    const nlohmann::json modelJson = nlohmann::json::parse(argv[1]);
    const int64_t batch = std::stoll(argv[2]);
    const std::string precision = argv[3];
    const int steps = std::stoi(argv[4]);
    const Precision compute = precision == "bf16" ? Precision::bf16 : Precision::fp32;
    bool graphs = true, deterministic = true;
    std::optional<bool> channelsLast;  // the job's choice unless given
    for (int i = 5; i < argc; ++i) {
      const std::string flag = argv[i];
      if (flag == "--eager")
        graphs = false;
      else if (flag == "--nchw" || flag == "--nhwc")
        channelsLast = flag == "--nhwc";
      else if (flag == "--nondeterministic")
        deterministic = false;
      else
        throw Error("unknown option " + flag);
    }
    const ModelSpec model =
        withLoss(makeTemplate(modelJson.at("template"),
                              modelJson.value("args", nlohmann::json::object()), "model"),
                 "SoftmaxCrossEntropy", {1, 10});
    const Graph graph = Graph::build(model, batch);
    ParameterStore params;
    params.ensure(graph, 1);
    gpu::PlanOptimizer sgd;  // the lr is step()'s
    sgd.momentum = 0.9f;
    sgd.nesterov = true;
    GpuExecOptions options;
    options.precision = compute;
    options.allowTf32 = precision == "tf32";
    options.cudaGraph = graphs;
    options.channelsLast =
        channelsLast.value_or(channelsLastFor(graph, compute, precision == "tf32"));
    options.deterministic = deterministic;
    options.optimizer = sgd;
    options.logits = "logits";
    GpuExecutor gpu(graph, params, options);
    phaseDone("plan, memory and algorithm choice");
    const std::string input = graph.values()[graph.inputs()[0]].name;
    const int64_t features = numel(graph.values()[graph.inputs()[0]].shape);
    auto* x = static_cast<float*>(gpu.inputBuffer(input));
    auto* y = static_cast<int32_t*>(gpu.inputBuffer("label"));
    std::mt19937 rng(5);
    std::normal_distribution<float> normal;
    for (int64_t i = 0; i < features; ++i) x[i] = normal(rng);
    for (int64_t i = 0; i < batch; ++i) y[i] = static_cast<int32_t>(rng() % 10);
    // The peak before and after the steps, keeping the higher: clocks move with load.
    const double peakBefore =
        gpuBackend().matmulTflops(0, 8192, precision == "bf16", precision == "tf32");
    phaseDone("matmul peak");
    // As training does: the next batch is staged and copied while this one computes.
    gpu::GpuSession& session = gpu.session();
    auto run = [&](int count) {
      for (int s = 0; s < count; ++s) {
        session.launchStep(0.01f);
        session.prefetch();
        session.finishStep();
      }
    };
    run(20);
    phaseDone("20 warm-up steps (2 eager, then the graph captured and replayed)");
    const auto start = std::chrono::steady_clock::now();
    run(steps);
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    const double stepSeconds = seconds / steps;
    // Where a step's time goes: forward and backward alone, eager, the best of 5.
    double forwardMs = 1e9, backwardMs = 1e9;
    for (int r = 0; r < 5; ++r) {
      const auto t0 = std::chrono::steady_clock::now();
      gpu.session().forward();
      const auto t1 = std::chrono::steady_clock::now();
      gpu.session().backward();
      const auto t2 = std::chrono::steady_clock::now();
      forwardMs = std::min(forwardMs, std::chrono::duration<double, std::milli>(t1 - t0).count());
      backwardMs = std::min(backwardMs, std::chrono::duration<double, std::milli>(t2 - t1).count());
    }
    // The layers a step spends most on, from one profiled step (CUDA events at every node),
    // with what computed each: where to look when a case misses its target.
    std::vector<gpu::NodeTimes> times = session.profiledStep(0.01f);
    std::vector<size_t> order(times.size());
    for (size_t n = 0; n < order.size(); ++n) order[n] = n;
    const auto total = [&](size_t n) { return times[n].forwardMs + times[n].backwardMs; };
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) { return total(a) > total(b); });
    nlohmann::json slowest = nlohmann::json::array();
    for (size_t k = 0; k < std::min<size_t>(order.size(), 6); ++k) {
      const size_t n = order[k];
      slowest.push_back({{"node", gpu.plan().nodes[n].name},
                         {"forward_ms", times[n].forwardMs},
                         {"backward_ms", times[n].backwardMs},
                         {"implementation", times[n].implementation}});
    }
    const double peak = std::max(
        peakBefore, gpuBackend().matmulTflops(0, 8192, precision == "bf16", precision == "tf32"));
    const nlohmann::json result = {{"batch", batch},
                                   {"precision", precision},
                                   {"cuda_graph", graphs},
                                   {"layout", channelsLast ? "nhwc" : "nchw"},
                                   {"deterministic", deterministic},
                                   {"samples_per_s", batch / stepSeconds},
                                   {"step_ms", 1e3 * stepSeconds},
                                   {"eager_forward_ms", forwardMs},
                                   {"eager_backward_ms", backwardMs},
                                   {"step_tflops", stepFlops(gpu.plan()) / stepSeconds / 1e12},
                                   {"peak_tflops", peak},
                                   {"loss", gpu.loss()},
                                   {"slowest_layers", slowest}};
    std::printf("%s\n", result.dump().c_str());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_cuda_steps: %s\n", e.what());
    return 1;
  }
  return 0;
}
