// Tensor fusion: ResNet-50's trainable gradient tensors all-reduced one call per tensor against
// the same tensors fused into buckets, copied in and out (the trainer's buckets before the
// gradients were packed) and reduced in place (the trainer's buckets now), between 2 ranks over
// loopback TCP (Gloo, as training runs), side by side in one process; or one rank per process,
// each on its own host (bench_fusion_latency.py runs them across a link with latency).
//
// Usage: bench_fusion [--rounds 5] [--bucket-mib 4] [--model resnet50] [--streams 1]
//                     [--rank R --rendezvous HOST:PORT --secret S]
// --streams: parallel connections a large reduction is split across (the job's "streams"), for
// both ways alike.
// Prints the per-tensor and fused times (best of the rounds) and their ratio; exits 1 when the
// in-place buckets are not at least 5x faster (the target of docs/benchmarks.md).
#include <chrono>
#include <cstdio>
#include <cstring>
#include <string>
#include <thread>
#include <vector>

#include "dist/gloo_communicator.h"
#include "dist/rendezvous.h"
#include "graph/graph.h"
#include "graph/templates.h"

using namespace twb;
using Clock = std::chrono::steady_clock;

namespace {
struct Result {
  double perTensorMs = 1e300, copiedMs = 1e300, inPlaceMs = 1e300;
};

// Consecutive tensors [first, last) that fill a bucket (one larger than a bucket goes alone).
size_t bucketEnd(const std::vector<int64_t>& sizes, size_t first, size_t bucketFloats) {
  size_t last = first, used = 0;
  while (last < sizes.size() &&
         (used == 0 || used + static_cast<size_t>(sizes[last]) <= bucketFloats))
    used += static_cast<size_t>(sizes[last++]);
  return last;
}

double millisSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

// Per round: every tensor reduced on its own, then the same tensors through buckets copied in
// and out, then the buckets reduced in place. The tensors lie as data-parallel training packs
// its gradients (ParameterStore::packGradients): one buffer, each from a 16-float boundary.
void runRank(int rank, const RendezvousAddress& rendezvous, const std::string& secret,
             const std::vector<int64_t>& sizes, size_t bucketFloats, int rounds, int streams,
             Result& result) {
  GlooOptions options;
  options.rank = rank;
  options.size = 2;
  options.streams = streams;
  options.rendezvous = rendezvous;
  options.secret = secret;
  options.timeout = std::chrono::seconds(60);
  auto comm = connectGloo(options);
  std::vector<size_t> offset;
  size_t total = 0;
  for (int64_t n : sizes) offset.push_back(total), total += (static_cast<size_t>(n) + 15) / 16 * 16;
  std::vector<float> packed(total, 1.f + rank), bucket(bucketFloats);
  for (int round = 0; round < rounds; ++round) {
    comm->barrier();
    auto start = Clock::now();
    for (size_t i = 0; i < sizes.size(); ++i)
      comm->allReduceSum(packed.data() + offset[i], static_cast<size_t>(sizes[i]));
    result.perTensorMs = std::min(result.perTensorMs, millisSince(start));

    comm->barrier();
    start = Clock::now();
    for (size_t first = 0, last; first < sizes.size(); first = last) {
      last = bucketEnd(sizes, first, bucketFloats);
      size_t used = 0;
      for (size_t i = first; i < last; ++i) used += static_cast<size_t>(sizes[i]);
      if (bucket.size() < used) bucket.resize(used);
      for (size_t i = first, at = 0; i < last; at += static_cast<size_t>(sizes[i++]))
        std::memcpy(bucket.data() + at, packed.data() + offset[i], sizes[i] * sizeof(float));
      comm->allReduceSum(bucket.data(), used);
      for (size_t i = first, at = 0; i < last; at += static_cast<size_t>(sizes[i++]))
        std::memcpy(packed.data() + offset[i], bucket.data() + at, sizes[i] * sizeof(float));
    }
    result.copiedMs = std::min(result.copiedMs, millisSince(start));

    comm->barrier();
    start = Clock::now();
    for (size_t first = 0, last; first < sizes.size(); first = last) {
      last = bucketEnd(sizes, first, bucketFloats);
      const size_t end = offset[last - 1] + static_cast<size_t>(sizes[last - 1]);
      comm->allReduceSum(packed.data() + offset[first], end - offset[first]);
    }
    result.inPlaceMs = std::min(result.inPlaceMs, millisSince(start));
  }
}
}  // namespace

int main(int argc, char** argv) {
  int rounds = 5;
  double bucketMib = 4;
  std::string model = "resnet50", secret;
  int onlyRank = -1, streams = 1;
  RendezvousAddress rendezvous;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--rounds") rounds = std::stoi(argv[i + 1]);
    else if (flag == "--rank")
      onlyRank = std::stoi(argv[i + 1]);
    else if (flag == "--rendezvous")
      rendezvous = RendezvousAddress::parse(argv[i + 1]);
    else if (flag == "--secret")
      secret = argv[i + 1];
    else if (flag == "--bucket-mib") bucketMib = std::stod(argv[i + 1]);
    else if (flag == "--model") model = argv[i + 1];
    else if (flag == "--streams") streams = std::stoi(argv[i + 1]);
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
  size_t buckets = 0;
  for (size_t first = 0; first < sizes.size(); first = bucketEnd(sizes, first, bucketFloats))
    ++buckets;
  std::printf("%s: %zu gradient tensors, %.1f MiB; %zu buckets of %.1f MiB; 2 ranks %s, %d "
              "stream(s)\n",
              model.c_str(), sizes.size(), total * 4.0 / (1 << 20), buckets, bucketMib,
              onlyRank < 0 ? "over loopback" : "in their own processes", streams);
  Result results[2];
  if (onlyRank >= 0) {
    if (onlyRank > 1 || rendezvous.port == 0 || secret.empty()) {
      std::fprintf(stderr, "--rank takes 0 or 1 and needs --rendezvous HOST:PORT and --secret\n");
      return 2;
    }
    runRank(onlyRank, rendezvous, secret, sizes, bucketFloats, rounds, streams, results[0]);
  } else {
    rendezvous = {"127.0.0.1", freePort("127.0.0.1")};
    secret = makeRendezvousSecret();
    std::thread other(
        [&] { runRank(1, rendezvous, secret, sizes, bucketFloats, rounds, streams, results[1]); });
    runRank(0, rendezvous, secret, sizes, bucketFloats, rounds, streams, results[0]);
    other.join();
  }
  const double ratio = results[0].perTensorMs / results[0].inPlaceMs;
  std::printf(
      "one all-reduce per tensor:  %8.1f ms\nfused, copied in and out:   %8.1f ms\n"
      "fused, reduced in place:    %8.1f ms\n"
      "fused in place is %.2fx faster (target >= 5x)\n",
      results[0].perTensorMs, results[0].copiedMs, results[0].inPlaceMs, ratio);
  return ratio >= 5 ? 0 : 1;
}
