// Tensor fusion: ResNet-50's trainable gradient tensors all-reduced one call per tensor against
// the same tensors packed into fused buckets (copied in and out, as the trainer's buckets are),
// between 2 ranks over loopback TCP (Gloo, as training runs), side by side in one process.
//
// Usage: bench_fusion [--rounds 5] [--bucket-mib 4] [--model resnet50]
// Prints the per-tensor and fused times (best of the rounds) and their ratio; exits 1 when the
// fused buckets are not at least 5x faster (the target of docs/benchmarks.md).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "dist/gloo_communicator.h"
#include "graph/graph.h"
#include "graph/templates.h"

using namespace twb;
using Clock = std::chrono::steady_clock;

namespace {
struct Result {
  double perTensorMs = 1e300, fusedMs = 1e300;
};

// Per round: every tensor reduced on its own, then the same tensors through buckets.
void runRank(int rank, int port, const std::string& secret, const std::vector<int64_t>& sizes,
             size_t bucketFloats, int rounds, Result& result) {
  GlooOptions options;
  options.rank = rank;
  options.size = 2;
  options.rendezvous = {"127.0.0.1", port};
  options.secret = secret;
  options.timeout = std::chrono::seconds(60);
  auto comm = connectGloo(options);
  std::vector<std::vector<float>> tensors;
  for (int64_t n : sizes) tensors.emplace_back(static_cast<size_t>(n), 1.f + rank);
  std::vector<float> bucket(bucketFloats);
  for (int round = 0; round < rounds; ++round) {
    comm->barrier();
    auto start = Clock::now();
    for (auto& t : tensors) comm->allReduceSum(t.data(), t.size());
    const double perTensor = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    comm->barrier();
    start = Clock::now();
    for (size_t first = 0; first < tensors.size();) {
      // Fill a bucket with whole tensors (one larger than a bucket goes alone).
      size_t last = first, used = 0;
      while (last < tensors.size() && (used == 0 || used + tensors[last].size() <= bucketFloats))
        used += tensors[last++].size();
      if (bucket.size() < used) bucket.resize(used);
      size_t at = 0;
      for (size_t i = first; i < last; ++i, at += tensors[i - 1].size())
        std::memcpy(bucket.data() + at, tensors[i].data(), tensors[i].size() * sizeof(float));
      comm->allReduceSum(bucket.data(), used);
      at = 0;
      for (size_t i = first; i < last; ++i, at += tensors[i - 1].size())
        std::memcpy(tensors[i].data(), bucket.data() + at, tensors[i].size() * sizeof(float));
      first = last;
    }
    const double fused = std::chrono::duration<double, std::milli>(Clock::now() - start).count();
    result.perTensorMs = std::min(result.perTensorMs, perTensor);
    result.fusedMs = std::min(result.fusedMs, fused);
  }
}
}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  double bucketMib = 4;
  std::string model = "resnet50";
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") rounds = std::stoi(argv[i + 1]);
    else if (flag == "--bucket-mib") bucketMib = std::stod(argv[i + 1]);
    else if (flag == "--model") model = argv[i + 1];
    else {
      std::fprintf(stderr, "unknown option %s\n", argv[i]);
      return 2;
    }
  }
  const Graph graph = Graph::build(makeTemplate(model, nullptr, "model"), 1);
  std::vector<int64_t> sizes;
  int64_t total = 0;
  for (const auto& [name, spec] : graph.parameters())
    if (spec.trainable) sizes.push_back(numel(spec.shape)), total += numel(spec.shape);
  const size_t bucketFloats = static_cast<size_t>(bucketMib * (1 << 20) / sizeof(float));
  std::printf("%s: %zu gradient tensors, %.1f MiB; buckets of %.1f MiB; 2 ranks over loopback\n",
              model.c_str(), sizes.size(), total * 4.0 / (1 << 20), bucketMib);
  const int port = freePort("127.0.0.1");
  const std::string secret = makeRendezvousSecret();
  Result results[2];
  std::thread other([&] { runRank(1, port, secret, sizes, bucketFloats, rounds, results[1]); });
  runRank(0, port, secret, sizes, bucketFloats, rounds, results[0]);
  other.join();
  const double ratio = results[0].perTensorMs / results[0].fusedMs;
  std::printf("one all-reduce per tensor: %8.1f ms\nfused buckets:             %8.1f ms\n"
              "fused is %.2fx faster (target >= 5x)\n",
              results[0].perTensorMs, results[0].fusedMs, ratio);
  return ratio >= 5 ? 0 : 1;
}
