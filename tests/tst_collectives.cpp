// Collectives on Gloo: ranks are threads of this process (a rank to be stopped, a child
// process), each with its own communicator over real TCP on loopback. Sums are checked against a
// double-precision reference, compression by the bytes the communicator handed to the transport,
// failures by how fast and how clearly they are reported.

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <QDir>
#include <QtTest>
#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>
#include <numeric>
#include <stdexcept>
#include <thread>

#include "core/float16.h"
#include "core/random.h"
#include "dist/gloo_communicator.h"
#include "dist/gradient_reducer.h"
#include "dist/wire_format.h"
#include "graph/templates.h"
#include "test_support.h"

using namespace twb;
using namespace std::chrono_literals;

namespace {
GlooOptions optionsFor(int rank, int size, int port, const std::string& secret) {
  GlooOptions o;
  o.rank = rank;
  o.size = size;
  o.rendezvous = {"127.0.0.1", port};
  o.secret = secret;
  o.connectTimeout = 10s;
  o.timeout = 2s;
  return o;
}

// Runs `body(rank, communicator)` on `size` connected ranks at once; rethrows the first error.
// `ranksPerNode` > 0: hierarchical, each run of that many consecutive ranks one "machine".
void onRanks(int size, const std::function<void(int, Communicator&)>& body, int streams = 1,
             int ranksPerNode = 0) {
  const int port = freePort("127.0.0.1");
  const std::string secret = makeRendezvousSecret();
  std::vector<std::thread> threads;
  std::vector<std::string> errors(static_cast<size_t>(size));
  for (int r = 0; r < size; ++r)
    threads.emplace_back([&, r] {
      try {
        GlooOptions o = optionsFor(r, size, port, secret);
        o.streams = streams;
        o.hierarchical = ranksPerNode > 0;
        o.ranksPerNode = std::max(1, ranksPerNode);
        auto comm = connectGloo(o);
        body(r, *comm);
      } catch (const std::exception& e) {
        errors[static_cast<size_t>(r)] = e.what();
      }
    });
  for (auto& t : threads) t.join();
  for (int r = 0; r < size; ++r)
    if (!errors[static_cast<size_t>(r)].empty())
      QFAIL(qPrintable(QString("rank %1: %2").arg(r).arg(errors[static_cast<size_t>(r)].c_str())));
}

// One step of backward as the reducer sees it: every gradient written, node by node from the
// last, each node announced as it finishes; then the step's reductions waited for.
void backwardStep(GradientReducer& reducer, ParameterStore& params, const Graph& graph,
                  const std::function<float(size_t param, int64_t i)>& gradient) {
  for (size_t n = graph.nodes().size(); n-- > 0;) {
    for (const ParamSpec& spec : graph.nodes()[n].params) {
      Parameter& p = params.at(graph.nodes()[n].name + "." + spec.suffix);
      const auto index = static_cast<size_t>(&p - params.all().data());
      for (int64_t i = 0; i < p.grad.numel(); ++i) p.grad.data<float>()[i] = gradient(index, i);
    }
    reducer.gradientsReady(n);
  }
  reducer.close({});
  reducer.finish();
}

// Parameters of `graph` whose gradients are where ensure() puts them, or `packed` in the
// buckets' order, as data-parallel training lays them out.
void makeGradients(ParameterStore& params, const Graph& graph, bool packed) {
  params.ensure(graph, 1);
  if (packed) params.packGradients(GradientReducer::gradientOrder(graph));
}

std::vector<float> rankData(int rank, size_t count) {
  Random random(mixSeed(7, static_cast<uint64_t>(rank)));
  std::vector<float> v(count);
  for (auto& x : v) x = random.uniform(-1, 1);
  return v;
}

std::vector<double> referenceSum(int size, size_t count) {
  std::vector<double> sum(count, 0.0);
  for (int r = 0; r < size; ++r) {
    const auto v = rankData(r, count);
    for (size_t i = 0; i < count; ++i) sum[i] += v[i];
  }
  return sum;
}

double worstError(const std::vector<float>& got, const std::vector<double>& want) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) worst = std::max(worst, std::abs(got[i] - want[i]));
  return worst;
}
}  // namespace

class TestCollectives : public QObject {
  Q_OBJECT
 private slots:
  // Flat rings, and hierarchical ("perNode" > 0): 2 machines × 2 ranks and 1 machine × 3,
  // shared memory within, the machines' first ranks' ring between; a reduction larger than a
  // shared-memory slot (4 Mi floats) goes in chunks. "in place": the data lies in the
  // communicator's gradient memory (at an offset into it), where it is summed without copies, to
  // the same bits as a copy of it reduced elsewhere, and averaged to the bits of that sum scaled.
  void allReduceSumsOnEveryRankWithTheSameBits_data() {
    QTest::addColumn<bool>("inPlace");
    QTest::addColumn<int>("ranks");
    QTest::addColumn<int>("count");
    QTest::addColumn<int>("streams");
    QTest::addColumn<QString>("wire");
    QTest::addColumn<double>("tolerance");
    QTest::addColumn<int>("perNode");
    QTest::newRow("2 ranks f32") << false << 2 << 1001 << 1 << "none" << 1e-6 << 0;
    QTest::newRow("3 ranks f32, fewer elements than ranks")
        << false << 3 << 2 << 1 << "none" << 1e-6 << 0;
    QTest::newRow("4 ranks f32, 3 streams") << false << 4 << 300001 << 3 << "none" << 1e-6 << 0;
    QTest::newRow("3 ranks bf16") << false << 3 << 4099 << 1 << "bf16" << 3 * 3.0 / 256 << 0;
    QTest::newRow("3 ranks fp16") << false << 3 << 4099 << 1 << "fp16" << 3 * 3.0 / 2048 << 0;
    QTest::newRow("2 x 2 shared memory, f32, chunked")
        << false << 4 << (4 << 20) + 1234 << 1 << "none" << 1e-6 << 2;
    QTest::newRow("1 x 3 shared memory, f32") << false << 3 << 70001 << 1 << "none" << 1e-6 << 3;
    QTest::newRow("2 x 2 shared memory, bf16")
        << false << 4 << 4099 << 1 << "bf16" << 4 * 3.0 / 256 << 2;
    QTest::newRow("1 x 3 shared memory, in place")
        << true << 3 << 70001 << 1 << "none" << 1e-6 << 3;
    QTest::newRow("1 x 2 shared memory, in place, 5 Mi floats")
        << true << 2 << (5 << 20) << 1 << "none" << 1e-6 << 2;
    QTest::newRow("2 x 2 shared memory, bf16, in place")
        << true << 4 << 4099 << 1 << "bf16" << 4 * 3.0 / 256 << 2;
  }
  void allReduceSumsOnEveryRankWithTheSameBits() {
    QFETCH(bool, inPlace);
    QFETCH(int, ranks);
    QFETCH(int, count);
    QFETCH(int, streams);
    QFETCH(QString, wire);
    QFETCH(double, tolerance);
    QFETCH(int, perNode);
    const WireType type = parseWireType(wire.toStdString());
    const auto want = referenceSum(ranks, static_cast<size_t>(count));
    std::vector<std::vector<float>> results(static_cast<size_t>(ranks));
    std::vector<uint64_t> bytes(static_cast<size_t>(ranks));
    onRanks(
        ranks,
        [&](int r, Communicator& comm) {
          auto v = rankData(r, static_cast<size_t>(count));
          const Tensor memory = inPlace ? comm.gradientMemory(v.size() + 48) : Tensor();
          if (inPlace) {
            if (memory.empty()) throw Error("no gradient memory from a hierarchical communicator");
            float* at = memory.data<float>() + 32;
            std::copy(v.begin(), v.end(), at);
            const uint64_t before = comm.bytesSent();  // the ranks agreed on /dev/shm's room
            comm.allReduceSum(at, v.size(), type);
            const uint64_t inPlaceBytes = comm.bytesSent() - before;
            comm.allReduceSum(v.data(), v.size(), type);  // the same, copied through the slots
            if (!std::equal(v.begin(), v.end(), at))
              throw Error("the sum in place differs from the sum of a copy");
            // The mean in place: the scaling folded into the sum, to the bits of a scaled sum.
            const auto mine = rankData(r, static_cast<size_t>(count));
            std::copy(mine.begin(), mine.end(), at);
            comm.allReduceMean(at, mine.size(), type);
            std::vector<float> scaled = v;
            for (float& x : scaled) x *= 1.0f / static_cast<float>(ranks);
            if (!std::equal(scaled.begin(), scaled.end(), at))
              throw Error("the mean in place differs from the sum times 1 / ranks");
            bytes[static_cast<size_t>(r)] = inPlaceBytes;
          } else {
            comm.allReduceSum(v.data(), v.size(), type);
            bytes[static_cast<size_t>(r)] = comm.bytesSent();
          }
          results[static_cast<size_t>(r)] = std::move(v);
        },
        streams, perNode);
    for (int r = 0; r < ranks; ++r) {
      QVERIFY2(worstError(results[static_cast<size_t>(r)], want) <= tolerance,
               qPrintable(QString("rank %1 is %2 off").arg(r).arg(worstError(results[r], want))));
      QVERIFY2(results[static_cast<size_t>(r)] == results[0], "ranks ended with different sums");
    }
    // A ring of p sends 2 (p - 1) / p of the data per member, in the wire's element size; with
    // shared memory only each machine's first rank is a member, the others send nothing.
    const int group = perNode > 0 ? perNode : 1, members = ranks / group;
    const double ringBytes = 2.0 * (members - 1) / members * count * wireBytes(type);
    for (int r = 0; r < ranks; ++r) {
      const double expected = r % group == 0 ? ringBytes : 0;
      QVERIFY2(std::abs(static_cast<double>(bytes[static_cast<size_t>(r)]) - expected) <=
                   2.0 * members * wireBytes(type),
               qPrintable(QString("rank %1 sent %2 bytes, expected about %3").arg(r).arg(bytes[r]).arg(expected)));
    }
    QVERIFY2(QDir("/dev/shm").entryList({"twb-*"}, QDir::Files).isEmpty(), "shared memory left behind");
  }

  void bf16OnTheWireHalvesTheBytes() {
    uint64_t sent[2] = {0, 0};
    onRanks(2, [&](int r, Communicator& comm) {
      auto v = rankData(r, 100000);
      comm.allReduceSum(v.data(), v.size(), WireType::f32);
      const uint64_t f32 = comm.bytesSent();
      comm.allReduceSum(v.data(), v.size(), WireType::bf16);
      if (r == 0) sent[0] = f32, sent[1] = comm.bytesSent() - f32;
    });
    QCOMPARE(sent[1] * 2, sent[0]);
  }

  // fp16 on the wire converts exactly as GCC's _Float16 (IEEE binary16, round to nearest even):
  // every one of the 65,536 halves decoded, and floats across the whole f32 range encoded.
  void fp16ConversionsMatchTheCompilers() {
    // Every half, one at a time and as the wire decodes and accumulates a buffer of them (8 at
    // an instruction where the CPU has F16C).
    std::vector<uint16_t> halves(0x10000);
    for (uint32_t h = 0; h <= 0xffff; ++h) halves[h] = static_cast<uint16_t>(h);
    std::vector<float> decoded(halves.size()), accumulated(halves.size(), 0.f);
    decodeWire(halves.data(), halves.size(), WireType::f16, decoded.data());
    accumulateWire(halves.data(), halves.size(), WireType::f16, accumulated.data());
    for (uint32_t h = 0; h <= 0xffff; ++h) {
      _Float16 reference;
      std::memcpy(&reference, &halves[h], sizeof reference);
      const float expected = static_cast<float>(reference);
      const float sum = 0.f + expected;  // -0 accumulated onto 0 is 0
      for (const auto& [got, wanted] :
           {std::pair{halfToFloat(halves[h]), expected}, std::pair{decoded[h], expected},
            std::pair{accumulated[h], sum}}) {
        if (std::isnan(wanted))
          QVERIFY(std::isnan(got));
        else
          QVERIFY2(std::memcmp(&wanted, &got, sizeof got) == 0, qPrintable(QString::number(h, 16)));
      }
    }
    // Every exponent and many mantissas, one at a time and as the wire encodes them.
    std::vector<float> floats;
    for (uint64_t f = 0; f <= 0xffffffffull; f += 997) {
      const uint32_t bits = static_cast<uint32_t>(f);
      floats.push_back(0);
      std::memcpy(&floats.back(), &bits, sizeof bits);
    }
    QVERIFY(floats.size() > 4000000);
    std::vector<uint16_t> encoded(floats.size());
    encodeWire(floats.data(), floats.size(), WireType::f16, encoded.data());
    for (size_t k = 0; k < floats.size(); ++k) {
      const float value = floats[k];
      const _Float16 reference = static_cast<_Float16>(value);
      uint16_t expected;
      std::memcpy(&expected, &reference, sizeof expected);
      for (const uint16_t got : {floatToHalf(value), encoded[k]}) {
        if (std::isnan(value))
          QVERIFY((got & 0x7c00) == 0x7c00 && (got & 0x3ff));
        else if (got != expected)
          QFAIL(qPrintable(QString("%1 -> %2, expected %3")
                               .arg(k * 997, 8, 16)
                               .arg(got, 4, 16)
                               .arg(expected, 4, 16)));
      }
    }
    // Ties: halfway between two halves rounds to the even one.
    QCOMPARE(floatToHalf(1.0f + 1.0f / 2048), uint16_t(0x3c00));
    QCOMPARE(floatToHalf(1.0f + 3.0f / 2048), uint16_t(0x3c02));
    QCOMPARE(floatToHalf(65520.0f), uint16_t(0x7c00));  // rounds up past the largest half
  }

  // The reducer's thread averages each bucket while "backward" (this rank's thread) is still
  // writing the gradients of earlier nodes: a bucket is sent only once the node writing its last
  // gradient has said so, and after finish() every gradient is the mean over the ranks. Two steps,
  // so the buckets' buffers are reused; the second in the order a cutoff of 0 asks for. With the
  // gradients packed in the buckets' order (as data-parallel training lays them out), every
  // bucket is reduced in place, over the gaps between its gradients too (logits.bias' 10 floats
  // end 6 short of the next 64-byte boundary).
  void bucketsAreAveragedWhileBackwardStillWrites_data() {
    QTest::addColumn<bool>("packed");
    QTest::newRow("gradients where ensure() put them") << false;
    QTest::newRow("gradients packed in the buckets' order") << true;
  }

  void bucketsAreAveragedWhileBackwardStillWrites() {
    QFETCH(bool, packed);
    const Graph graph = Graph::build(makeTemplate("mlp", {{"hidden", {64, 32}}}, "model"), 4);
    // Small integers: their sum and its half are exact in float, so the mean compares exactly.
    const auto gradientValue = [](int rank, size_t param, int64_t i, int step) {
      return static_cast<float>((rank + 1) * (static_cast<int64_t>(param) + 1) + i % 7 + step);
    };
    std::vector<size_t> buckets(2), spans(2);
    std::vector<std::vector<size_t>> orders(2);
    onRanks(2, [&](int r, Communicator& comm) {
      ParameterStore params;
      makeGradients(params, graph, packed);
      GradientReducer reducer(comm, WireType::f32);
      reducer.plan(params, graph, 4096);
      buckets[static_cast<size_t>(r)] = reducer.bucketCount();
      for (size_t b = 0; b < reducer.bucketCount(); ++b)
        if ((reducer.bucket(b).packed != nullptr) != packed)
          throw std::runtime_error("bucket " + std::to_string(b) + " is " + (packed ? "not " : "") +
                                   "reduced in place");
      for (int step = 0; step < 2; ++step) {
        backwardStep(reducer, params, graph,
                     [&](size_t param, int64_t i) { return gradientValue(r, param, i, step); });
        spans[static_cast<size_t>(r)] = reducer.lastStepSpans().size();
        for (const CommSpan& s : reducer.lastStepSpans())
          orders[static_cast<size_t>(r)].push_back(s.bucket);
        // The second step sends every bucket first layers first, as the next forward needs them.
        reducer.setCutoff(0);
        for (size_t k = 0; k < params.all().size(); ++k) {
          const Parameter& p = params.all()[k];
          for (int64_t i = 0; i < p.grad.numel(); ++i) {
            const float mean = (gradientValue(0, k, i, step) + gradientValue(1, k, i, step)) / 2;
            if (p.grad.data<float>()[i] != mean)
              throw std::runtime_error(p.name + "[" + std::to_string(i) + "] is " +
                                       std::to_string(p.grad.data<float>()[i]) + ", the mean is " +
                                       std::to_string(mean));
          }
        }
      }
    });
    // 784x64 weights fill a 4 KiB bucket alone; 64x32 and 32x10 (with biases) share one.
    QCOMPARE(buckets[0], size_t(2));
    QCOMPARE(buckets[1], buckets[0]);
    QCOMPARE(spans[0], buckets[0]);
    QCOMPARE(orders[0], (std::vector<size_t>{0, 1, 1, 0}));
    QCOMPARE(orders[1], orders[0]);
  }

  // fp16 on the wire holds gradients of any magnitude: the ranks agree on a power of two that
  // lifts gradients of 1e-7 (fp16's subnormals are 6e-8 apart) and lowers ones of 5e4 (two of
  // them sum past fp16's 65504); a step whose gradients outgrow the agreed scale overflows on
  // every rank alike, counts as zero, and the next step agrees anew. Three steps: tiny, then
  // large (overflow), then large again (right). Hierarchical too: the machines' sums are what
  // travels in fp16, and the agreement goes through the hierarchical communicator.
  void fp16OnTheWireIsScaledToTheGradients_data() {
    QTest::addColumn<bool>("packed");
    QTest::addColumn<int>("ranks");
    QTest::addColumn<int>("ranksPerNode");  // > 0: hierarchical
    QTest::newRow("2 ranks, gradients where ensure() put them") << false << 2 << 0;
    QTest::newRow("2 ranks, gradients packed") << true << 2 << 0;
    QTest::newRow("4 ranks, 2 a machine: shared memory, then fp16 between machines")
        << true << 4 << 2;
  }

  void fp16OnTheWireIsScaledToTheGradients() {
    QFETCH(bool, packed);
    QFETCH(int, ranks);
    QFETCH(int, ranksPerNode);
    const Graph graph = Graph::build(makeTemplate("mlp", {{"hidden", {64, 32}}}, "model"), 4);
    const auto gradientValue = [](int rank, int64_t i, int step) {
      const double magnitude = step == 0 ? 1e-7 : 5e4;
      return static_cast<float>(magnitude * (1 + (rank * 31 + i * 7) % 13 / 13.0));
    };
    std::vector<std::string> failures(static_cast<size_t>(ranks));
    onRanks(
        ranks,
        [&](int r, Communicator& comm) {
          ParameterStore params;
          makeGradients(params, graph, packed);
          GradientReducer reducer(comm, WireType::f16);
          reducer.plan(params, graph, 4096);
          std::string& failure = failures[static_cast<size_t>(r)];
          for (int step = 0; step < 3 && failure.empty(); ++step) {
            backwardStep(reducer, params, graph,
                         [&](size_t, int64_t i) { return gradientValue(r, i, step); });
            const bool overflow = step == 1;
            for (size_t b = 0; b < reducer.bucketCount(); ++b)
              if (reducer.overflowed(b) != overflow)
                failure += "step " + std::to_string(step) + ", bucket " + std::to_string(b) +
                           (overflow ? ": no overflow\n" : ": overflowed\n");
            double worst = 0;
            for (const Parameter& p : params.all())
              for (int64_t i = 0; i < p.grad.numel(); ++i) {
                double mean = 0;
                for (int k = 0; k < ranks && !overflow; ++k)
                  mean += gradientValue(k, i, step) / ranks;
                const double got = p.grad.data<float>()[i];
                worst = std::max(worst, overflow ? std::abs(got) : std::abs(got - mean) / mean);
              }
            // Each rank's value (or machine's sum) and the total are rounded once each to fp16's
            // 11 bits.
            if (worst > 2e-3)
              failure += "step " + std::to_string(step) + ": a mean off by " +
                         std::to_string(worst) + (overflow ? "" : " (relative)") + "\n";
          }
        },
        1, ranksPerNode);
    for (const std::string& failure : failures) QVERIFY2(failure.empty(), failure.c_str());
  }

  // A rank of a machine that stops coming to the shared-memory barrier fails its neighbours
  // within the timeout, naming what happened.
  void aSilentLocalRankFailsTheSharedMemoryReduction() {
    QString failure;
    onRanks(
        2,
        [&](int r, Communicator& comm) {
          std::vector<float> v(10, 1.f);
          if (r == 1) {
            std::this_thread::sleep_for(4s);
            return;
          }
          try {
            comm.allReduceSum(v.data(), v.size());
          } catch (const CommError& e) {
            failure = e.what();
          }
        },
        1, 2);
    QVERIFY2(failure.contains("did not reach the shared-memory barrier within 2"), qPrintable(failure));
  }

  void reduceScatterLeavesEachRankItsShare() {
    const int ranks = 3;
    const size_t count = 1000;
    const auto want = referenceSum(ranks, count);
    onRanks(ranks, [&](int r, Communicator& comm) {
      auto v = rankData(r, count);
      comm.reduceScatterSum(v.data(), count);
      for (size_t i = shardBegin(count, ranks, r); i < shardBegin(count, ranks, r + 1); ++i)
        if (std::abs(v[i] - want[i]) > 1e-6)
          throw Error("element " + std::to_string(i) + " is off");
    });
  }

  // Five ranks: the broadcast's tree is not a full one, and every rank is its root once.
  void gatherBroadcastAndBarrier() {
    const int ranks = 5;
    onRanks(ranks, [&](int r, Communicator& comm) {
      int32_t mine = 10 + r, all[ranks] = {};
      comm.allGather(&mine, sizeof mine, all);
      for (int q = 0; q < ranks; ++q)
        if (all[q] != 10 + q) throw Error("allGather: slot " + std::to_string(q) + " is off");
      // Nothing to gather (a profiled step before any bucket was reduced): nothing sent.
      comm.allGather(&mine, 0, all);
      for (int root = 0; root < ranks; ++root) {
        std::vector<float> values(100000, r == root ? 0.f : -1.f);
        if (r == root) std::iota(values.begin(), values.end(), static_cast<float>(root));
        comm.broadcast(values.data(), values.size() * sizeof(float), root);
        for (size_t i = 0; i < values.size(); i += 997)
          if (values[i] != static_cast<float>(root + i))
            throw Error("broadcast from rank " + std::to_string(root) + ": element " +
                        std::to_string(i) + " is off");
      }
      comm.barrier();
    });
  }

  // A peer that hangs, the whole process stopped (heartbeats too), while the others gather,
  // broadcast or wait at a barrier: they fail within the heartbeats' silence, naming it, not
  // after the collective's timeout. The peer is a child process, so that it can be stopped.
  void aHungPeerFailsEveryCollectiveByItsHeartbeats_data() {
    QTest::addColumn<QString>("collective");
    for (const char* name : {"allGather", "broadcast", "barrier", "allReduceSum"})
      QTest::newRow(name) << name;
  }
  void aHungPeerFailsEveryCollectiveByItsHeartbeats() {
    QFETCH(QString, collective);
    const int port = freePort("127.0.0.1");
    const std::string secret = makeRendezvousSecret();
    const auto options = [&](int rank) {
      GlooOptions o = optionsFor(rank, 2, port, secret);
      o.timeout = 10s;
      o.heartbeatSilence = 1s;
      return o;
    };
    const pid_t peer = ::fork();
    QVERIFY(peer >= 0);
    if (peer == 0) {
      try {
        auto comm = connectGloo(options(1));
        comm->barrier();
        ::raise(SIGSTOP);
      } catch (...) {
      }
      ::_exit(0);
    }
    const auto reap = qScopeGuard([&] {
      ::kill(peer, SIGKILL);
      ::waitpid(peer, nullptr, 0);
    });
    auto comm = connectGloo(options(0));
    comm->barrier();
    std::vector<float> values(1000, 1.f);
    float gathered[2] = {};
    QElapsedTimer timer;
    timer.start();
    const QString error = QString::fromStdString(test::errorOf([&] {
      if (collective == "allGather") comm->allGather(values.data(), sizeof(float), gathered);
      if (collective == "broadcast") comm->broadcast(values.data(), sizeof(float), 1);
      if (collective == "barrier") comm->barrier();
      if (collective == "allReduceSum") comm->allReduceSum(values.data(), values.size());
    }));
    const qint64 waited = timer.elapsed();
    QVERIFY2(error.contains("rank 1 (127.0.0.1) has not answered a heartbeat for 1.0 s"),
             qPrintable(error));
    QVERIFY2(waited < 4000, qPrintable(QString("failed after %1 ms").arg(waited)));
  }

  void aSilentPeerFailsTheCollectiveWithinTheTimeout() {
    QString failure;
    double waited = 0;
    onRanks(2, [&](int r, Communicator& comm) {
      std::vector<float> v(10, 1.f);
      if (r == 1) {
        std::this_thread::sleep_for(4s);  // hangs past rank 0's 2 s timeout
        return;
      }
      QElapsedTimer timer;
      timer.start();
      try {
        comm.allReduceSum(v.data(), v.size());
      } catch (const CommError& e) {
        failure = e.what();
      }
      waited = timer.elapsed() / 1e3;
    });
    QVERIFY2(failure.contains("rank 0") && failure.contains("rank 1"), qPrintable(failure));
    QVERIFY2(waited >= 1.5 && waited < 4, qPrintable(QString("failed after %1 s").arg(waited)));
  }

  void aDeadPeerFailsTheCollectiveAtOnce() {
    const int port = freePort("127.0.0.1");
    const std::string secret = makeRendezvousSecret();
    std::unique_ptr<Communicator> peer;
    std::thread other([&] {
      GlooOptions o = optionsFor(1, 2, port, secret);
      o.timeout = 30s;
      peer = connectGloo(o);
    });
    GlooOptions o = optionsFor(0, 2, port, secret);
    o.timeout = 30s;
    auto comm = connectGloo(o);
    other.join();
    peer.reset();  // closes its connections, as a killed process's kernel would
    std::vector<float> v(10, 1.f);
    QElapsedTimer timer;
    timer.start();
    const QString error =
        QString::fromStdString(test::errorOf([&] { comm->allReduceSum(v.data(), v.size()); }));
    QVERIFY2(error.contains("rank 1"), qPrintable(error));
    QVERIFY2(timer.elapsed() < 5000, qPrintable(QString("took %1 ms").arg(timer.elapsed())));
  }

  void aRankWithAnotherSecretIsRefused() {
    const int port = freePort("127.0.0.1");
    std::string serverError;
    std::thread rank0([&] {
      GlooOptions o = optionsFor(0, 2, port, makeRendezvousSecret());
      o.connectTimeout = 3s;
      serverError = test::errorOf([&] { connectGloo(o); });
    });
    std::this_thread::sleep_for(300ms);
    GlooOptions o = optionsFor(1, 2, port, makeRendezvousSecret());
    const QString error = QString::fromStdString(test::errorOf([&] { connectGloo(o); }));
    rank0.join();
    QVERIFY2(error.contains("secret was refused"), qPrintable(error));
    QVERIFY2(!serverError.empty(), "rank 0 connected to a rank of another job");
  }

  void theRendezvousClosesOnceConnected() {
    const int port = freePort("127.0.0.1");
    const std::string secret = makeRendezvousSecret();
    std::unique_ptr<Communicator> peer;
    std::thread other([&] { peer = connectGloo(optionsFor(1, 2, port, secret)); });
    auto comm = connectGloo(optionsFor(0, 2, port, secret));
    other.join();
    // Even with the job's secret, a newcomer finds nothing listening on the rendezvous port.
    const QString error = QString::fromStdString(test::errorOf([&] {
      RendezvousStore({"127.0.0.1", port}, secret, 500ms);
    }));
    QVERIFY2(error.contains("no answer"), qPrintable(error));
  }

  void anInterfaceThatDoesNotExistIsNamed() {
    const QString error =
        QString::fromStdString(test::errorOf([] { checkNetworkInterface("nosuch0"); }));
    QVERIFY2(error.contains("'nosuch0'") && error.contains("lo"), qPrintable(error));
  }
};

QTEST_GUILESS_MAIN(TestCollectives)
#include "tst_collectives.moc"
