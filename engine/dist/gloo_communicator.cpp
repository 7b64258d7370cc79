#include "dist/gloo_communicator.h"

#include <arpa/inet.h>
#include <gloo/common/error.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netdb.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <functional>
#include <set>
#include <thread>
#include <vector>

#include "dist/comm_abort.h"
#include "dist/hierarchical_communicator.h"
#include "dist/peer_watch.h"
#include "dist/shared_memory_collective.h"
#include "dist/wire_format.h"

namespace twb {

namespace {
// Below this many bytes per stream, splitting a reduction costs more than it gains.
constexpr size_t kMinStreamBytes = 64 * 1024;

class GlooCommunicator : public Communicator {
 public:
  // `rankStride`: the job's rank of this group's rank r is r × rankStride (the machines' first
  // ranks of a hierarchical job; 1 for all ranks), as messages name it.
  // `abort`: raised, it ends the reductions' waits at once.
  GlooCommunicator(std::vector<std::shared_ptr<gloo::Context>> contexts,
                   std::shared_ptr<CommAbort> abort, std::chrono::milliseconds timeout,
                   int rankStride = 1)
      : m_contexts(std::move(contexts)),
        m_abort(std::move(abort)),
        m_streams(m_contexts.size()),
        m_staging(m_contexts.size()),
        m_timeout(timeout),
        m_rankStride(rankStride) {}
  // Kept running as long as this communicator.
  void keepWatched(std::unique_ptr<PeerWatch> watch) { m_watch = std::move(watch); }

  int rank() const override { return m_contexts[0]->rank; }
  int size() const override { return m_contexts[0]->size; }

  void allReduceSum(float* data, size_t count, WireType wire, float* feedback) override {
    if (wire == WireType::f32) feedback = nullptr;
    guarded([&] { splitAcrossStreams(data, count, wire, feedback); });
  }
  void reduceScatterSum(float* data, size_t count, WireType wire) override {
    guarded([&] { ring(0, data, count, wire, false, nullptr); });
  }
  void allGather(const void* mine, size_t bytes, void* all) override {
    if (bytes == 0) return;  // every rank gathers the same size: nothing to send
    guarded([&] {
      const int p = size(), r = rank();
      char* slots = static_cast<char*>(all);
      char* own = slots + bytes * static_cast<size_t>(r);
      if (own != mine) std::memcpy(own, mine, bytes);
      Messages messages(*this, all, bytes * static_cast<size_t>(p));
      for (int q = 0; q < p; ++q)
        if (q != r) messages.receive(q, bytes * static_cast<size_t>(q), bytes);
      for (int q = 0; q < p; ++q)
        if (q != r) messages.send(q, bytes * static_cast<size_t>(r), bytes);
      messages.waitReceives();
      messages.waitSends();
    });
  }
  // A binomial tree: a rank receives from the rank that differs in its lowest set bit (counted
  // from the root), then sends to the ranks below that bit, the largest subtree first.
  void broadcast(void* data, size_t bytes, int root) override {
    guarded([&] {
      const int p = size(), relative = (rank() - root + p) % p;
      const auto absolute = [&](int rel) { return (rel + root) % p; };
      Messages messages(*this, data, bytes);
      int bit = 1;
      for (; bit < p; bit <<= 1)
        if (relative & bit) {
          messages.receive(absolute(relative - bit), 0, bytes);
          messages.waitReceives();
          break;
        }
      for (bit >>= 1; bit > 0; bit >>= 1)
        if (relative + bit < p) messages.send(absolute(relative + bit), 0, bytes);
      messages.waitSends();
    });
  }
  void barrier() override {
    std::vector<char> arrived(static_cast<size_t>(size()));
    const char here = 1;
    allGather(&here, 1, arrived.data());
  }
  int maxStreams() const override { return static_cast<int>(m_contexts.size()); }
  void useStreams(int streams) override {
    m_streams = static_cast<size_t>(std::clamp(streams, 1, maxStreams()));
  }
  void setTimeout(std::chrono::milliseconds timeout) override { m_timeout = timeout; }
  uint64_t bytesSent() const override { return m_bytesSent.load(); }

 private:
  // Runs a collective, turning Gloo's errors into ours.
  template <typename F>
  void guarded(F&& collective) {
    m_abort->check();
    try {
      collective();
    } catch (const gloo::Exception& e) {
      throw CommError("rank " + std::to_string(rank() * m_rankStride) +
                      ": a collective failed: " + e.what());
    }
  }

  // Large reductions go over every stream at once, in equal shares.
  void splitAcrossStreams(float* data, size_t count, WireType wire, float* feedback) {
    const size_t streams = std::min(m_streams, std::max<size_t>(1, count * 4 / kMinStreamBytes));
    if (streams <= 1) return ring(0, data, count, wire, true, feedback);
    std::vector<std::thread> helpers;
    std::vector<std::exception_ptr> errors(streams);
    for (size_t s = 1; s < streams; ++s)
      helpers.emplace_back([&, s] {
        try {
          const size_t begin = shardBegin(count, static_cast<int>(streams), static_cast<int>(s));
          const size_t end = shardBegin(count, static_cast<int>(streams), static_cast<int>(s) + 1);
          ring(s, data + begin, end - begin, wire, true, feedback ? feedback + begin : nullptr);
        } catch (...) {
          errors[s] = std::current_exception();
        }
      });
    try {
      ring(0, data, shardBegin(count, static_cast<int>(streams), 1), wire, true, feedback);
    } catch (...) {
      errors[0] = std::current_exception();
    }
    for (auto& t : helpers) t.join();
    for (auto& e : errors)
      if (e) std::rethrow_exception(e);
  }

  // Ring reduce-scatter (each rank ends with chunk `rank` summed), then, when `gather`, ring
  // all-gather. Every hop encodes to the wire type and accumulates in f32; the owner of a chunk
  // rounds it once, so all ranks end with the same bits. Each rounding a rank does lands in
  // `feedback` at the elements it rounded, and is added to its data at the next call.
  //
  // Gloo's TCP pairs send a hop's data only once the receiver has announced the receive, so
  // every hop's receive is posted before the first send, each into a place of its own: the
  // announcements cross while the earlier hops run, and a hop after the first waits one latency
  // for its data instead of two. A gathered chunk may land in `data` while the hop that sends
  // that range is posted: its bytes come back only after the right neighbour has received it.
  void ring(size_t stream, float* data, size_t count, WireType wire, bool gather, float* feedback) {
    gloo::Context& context = *m_contexts[stream];
    const int p = context.size, r = context.rank;
    if (p == 1 || count == 0) return;
    if (feedback)
      for (size_t i = 0; i < count; ++i) data[i] += feedback[i], feedback[i] = 0;
    std::vector<float> rounded;
    const auto keepRounding = [&](size_t first, size_t n, const void* wireValues) {
      if (!feedback) return;
      rounded.resize(n);
      decodeWire(wireValues, n, wire, rounded.data());
      for (size_t i = 0; i < n; ++i) feedback[first + i] += data[first + i] - rounded[i];
    };
    const int right = (r + 1) % p, left = (r + p - 1) % p;
    const size_t element = wireBytes(wire);
    const auto begin = [&](int chunk) { return shardBegin(count, p, (chunk % p + p) % p); };
    const auto chunkEnd = [&](int chunk) { return shardBegin(count, p, (chunk % p + p) % p + 1); };
    // f32 travels as it is: sent straight from `data`, and gathered straight into it.
    const bool direct = wire == WireType::f32;
    const int hops = gather ? 2 * (p - 1) : p - 1;
    // The reduce-scatter's hops (and, off f32, the gather's) receive into staging, one chunk's
    // room per hop. Staging buffers grow to the largest ring seen and are kept: a step
    // allocates nothing.
    const int stagedHops = direct ? p - 1 : hops;
    const size_t largest = (count / static_cast<size_t>(p) + 1) * element;
    Staging& staging = m_staging[stream];
    if (!direct && staging.send.size() < largest) staging.send.resize(largest);
    if (staging.receive.size() < largest * static_cast<size_t>(stagedHops))
      staging.receive.resize(largest * static_cast<size_t>(stagedHops));
    char* sendBytes = staging.send.data();
    const auto received = [&](int hop) {
      return staging.receive.data() + largest * static_cast<size_t>(hop);
    };
    auto sender = direct ? nullptr : context.createUnboundBuffer(sendBytes, largest);
    auto receiver = context.createUnboundBuffer(staging.receive.data(), staging.receive.size());
    auto dataOut = direct ? context.createUnboundBuffer(data, count * sizeof(float)) : nullptr;
    auto dataIn =
        direct && gather ? context.createUnboundBuffer(data, count * sizeof(float)) : nullptr;
    const auto wake = m_abort->onRaise([&] {
      for (auto* buffer : {sender.get(), receiver.get(), dataOut.get(), dataIn.get()})
        if (buffer) {
          buffer->abortWaitRecv();
          buffer->abortWaitSend();
        }
    });
    const uint64_t slot = static_cast<uint64_t>(context.nextSlot(hops));
    // Hop s of the reduce-scatter receives chunk r - s - 2; hop s of the gather chunk r - s - 1.
    // Every hop sends the chunk after the one it receives.
    const auto recvChunkOf = [&](int hop) {
      return hop < p - 1 ? r - hop - 2 : r - (hop - p + 1) - 1;
    };
    const auto inOf = [&](int hop) -> std::unique_ptr<gloo::transport::UnboundBuffer>& {
      return hop < stagedHops ? receiver : dataIn;
    };
    for (int hop = 0; hop < hops; ++hop) {
      const int chunk = recvChunkOf(hop);
      const size_t offset =
          hop < stagedHops ? largest * static_cast<size_t>(hop) : begin(chunk) * element;
      withPeer(left, false, [&] {
        inOf(hop)->recv(left, slot + static_cast<uint64_t>(hop), offset,
                        (chunkEnd(chunk) - begin(chunk)) * element);
      });
    }
    const auto exchange = [&](int hop) {
      const int chunk = recvChunkOf(hop), sendChunk = chunk + 1;
      const size_t sendFirst = begin(sendChunk), sendCount = chunkEnd(sendChunk) - sendFirst;
      auto& out = direct ? dataOut : sender;
      const size_t outOffset = direct ? sendFirst * element : 0;
      if (!direct) {
        encodeWire(data + sendFirst, sendCount, wire, sendBytes);
        if (hop < p - 1) keepRounding(sendFirst, sendCount, sendBytes);
      }
      withPeer(right, true, [&] {
        out->send(right, slot + static_cast<uint64_t>(hop), outOffset, sendCount * element);
      });
      m_bytesSent += sendCount * element;
      withPeer(left, false, [&] {
        if (!inOf(hop)->waitRecv(nullptr, m_timeout)) aborted();
      });
      withPeer(right, true, [&] {
        if (!out->waitSend(nullptr, m_timeout)) aborted();
      });
      return std::make_pair(begin(chunk), chunkEnd(chunk) - begin(chunk));
    };
    for (int s = 0; s < p - 1; ++s) {
      const auto [first, n] = exchange(s);
      accumulateWire(received(s), n, wire, data + first);
    }
    if (!gather) return;
    if (!direct) {  // the owner keeps what the others will receive
      const size_t first = begin(r), n = chunkEnd(r) - first;
      encodeWire(data + first, n, wire, sendBytes);
      keepRounding(first, n, sendBytes);
      decodeWire(sendBytes, n, wire, data + first);
    }
    for (int s = 0; s < p - 1; ++s) {
      const auto [first, n] = exchange(p - 1 + s);
      if (!direct) decodeWire(received(p - 1 + s), n, wire, data + first);
    }
  }

  // The messages of one gather or broadcast over `memory`, on the first stream: posted, then
  // waited for in a way the abort wakes (Gloo's own gathers and broadcasts cannot be woken).
  class Messages {
   public:
    Messages(GlooCommunicator& comm, void* memory, size_t bytes)
        : m_comm(comm),
          m_context(*comm.m_contexts[0]),
          m_buffer(m_context.createUnboundBuffer(memory, bytes)),
          m_slot(static_cast<uint64_t>(m_context.nextSlot())),
          m_wake(comm.m_abort->onRaise([this] {
            m_buffer->abortWaitRecv();
            m_buffer->abortWaitSend();
          })) {}
    void receive(int peer, size_t offset, size_t bytes) {
      m_comm.withPeer(peer, false, [&] { m_buffer->recv(peer, m_slot, offset, bytes); });
      m_receiving.push_back(peer);
    }
    void send(int peer, size_t offset, size_t bytes) {
      m_comm.withPeer(peer, true, [&] { m_buffer->send(peer, m_slot, offset, bytes); });
      m_sending.push_back(peer);
    }
    void waitReceives() { waitAll(m_receiving, false); }
    void waitSends() { waitAll(m_sending, true); }

   private:
    // Waits for every message to or from `peers`, in the order they end; a failure names the
    // first peer still pending.
    void waitAll(std::vector<int>& peers, bool sending) {
      for (size_t pending = peers.size(); pending > 0; --pending) {
        int done = -1;
        m_comm.withPeer(peers.front(), sending, [&] {
          const bool ended = sending ? m_buffer->waitSend(&done, m_comm.m_timeout)
                                     : m_buffer->waitRecv(&done, m_comm.m_timeout);
          if (!ended) m_comm.aborted();
        });
        std::erase(peers, done);
      }
    }

    GlooCommunicator& m_comm;
    gloo::Context& m_context;
    std::unique_ptr<gloo::transport::UnboundBuffer> m_buffer;
    uint64_t m_slot;
    std::shared_ptr<void> m_wake;  // declared after the buffer it wakes: destroyed before it
    std::vector<int> m_receiving, m_sending;  // peers whose messages are pending
  };

  // A wait that the abort woke: fails with its reason.
  [[noreturn]] void aborted() const {
    m_abort->check();
    throw CommError("rank " + std::to_string(rank() * m_rankStride) + ": a wait was aborted");
  }

  // Runs one transport call, naming the peer when it fails (closed, reset or timed out).
  template <typename F>
  void withPeer(int peer, bool sending, F&& call) {
    try {
      call();
    } catch (const gloo::Exception& e) {
      throw CommError("rank " + std::to_string(rank() * m_rankStride) + ": " +
                      (sending ? "sending to rank " : "receiving from rank ") +
                      std::to_string(peer * m_rankStride) + " failed: " + e.what());
    }
  }

  std::vector<std::shared_ptr<gloo::Context>> m_contexts;  // one per stream
  std::shared_ptr<CommAbort> m_abort;
  std::unique_ptr<PeerWatch> m_watch;                      // on the world's communicator
  size_t m_streams;                                        // in use
  struct Staging {
    std::vector<char> send, receive;  // wire-typed chunks of one stream's ring
  };
  std::vector<Staging> m_staging;  // one per stream
  std::chrono::milliseconds m_timeout;
  int m_rankStride;
  std::atomic<uint64_t> m_bytesSent{0};
};
}  // namespace

void checkNetworkInterface(const std::string& name) {
  if (::if_nametoindex(name.c_str()) != 0) return;
  std::set<std::string> names;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) == 0) {
    for (ifaddrs* i = list; i; i = i->ifa_next)
      if (i->ifa_name) names.insert(i->ifa_name);
    ::freeifaddrs(list);
  }
  std::string known;
  for (const auto& n : names) known += (known.empty() ? "" : ", ") + n;
  throw Error("this host has no network interface '" + name + "' (it has: " + known + ")");
}

namespace {
// Connects `streams` full meshes of a group through the job's store: every rank of the job, or
// (with a prefix of its own) the machines' first ranks.
std::vector<std::shared_ptr<gloo::Context>> connectMeshes(
    gloo::rendezvous::Store& store, const std::string& prefix, int rank, int size, int streams,
    std::shared_ptr<gloo::transport::Device> device, std::chrono::milliseconds timeout) {
  std::vector<std::shared_ptr<gloo::Context>> contexts;
  for (int s = 0; s < streams; ++s) {
    gloo::rendezvous::PrefixStore prefixed(prefix + "stream" + std::to_string(s), store);
    auto context = std::make_shared<gloo::rendezvous::Context>(rank, size);
    context->setTimeout(timeout);
    context->connectFullMesh(prefixed, device);
    contexts.push_back(std::move(context));
  }
  return contexts;
}

// This machine's segment name for the job: from a hash of the secret (which stays secret) and
// the machine's index in the job.
std::string sharedMemoryName(const std::string& secret, int node) {
  char name[64];
  std::snprintf(name, sizeof name, "/twb-%016zx-node%d", std::hash<std::string>{}(secret), node);
  return name;
}

// Every rank's address, as `mine` is this rank's: for messages that name a peer's machine.
std::vector<std::string> gatherHosts(Communicator& world, const std::string& mine) {
  constexpr size_t kBytes = 64;
  std::vector<char> all(kBytes * static_cast<size_t>(world.size()));
  char own[kBytes] = {};
  mine.copy(own, kBytes - 1);
  world.allGather(own, kBytes, all.data());
  std::vector<std::string> hosts;
  for (int r = 0; r < world.size(); ++r) hosts.emplace_back(&all[kBytes * static_cast<size_t>(r)]);
  return hosts;
}

// Floats per rank slot of a hierarchical reduction: larger reductions go in chunks.
constexpr size_t kSharedSlotFloats = size_t{4} << 20;
// Floats per rank slot of synchronized BatchNorm's gathers: 2 x channels + 1 fit whole.
constexpr size_t kStatisticsSlotFloats = size_t{64} << 10;

}  // namespace

std::unique_ptr<Communicator> connectGloo(const GlooOptions& options,
                                          std::unique_ptr<RankCollective>* statistics) {
  if (options.size < 1 || options.rank < 0 || options.rank >= options.size)
    throw Error("rank " + std::to_string(options.rank) + " is outside a job of " +
                std::to_string(options.size) + " ranks");
  if (options.streams < 1) throw Error("streams must be >= 1");
  // Gloo's TCP pairs write with writev, which raises SIGPIPE once a peer has closed and would end
  // this process there (seen in tst_collectives): ignored, the write fails with EPIPE and the
  // peer's loss is said as any other.
  std::signal(SIGPIPE, SIG_IGN);
  bool hierarchical = options.hierarchical.value_or(true) && options.ranksPerNode > 1;
  if (hierarchical && options.size % options.ranksPerNode != 0)
    throw Error("a hierarchical job of " + std::to_string(options.size) +
                " ranks cannot have " + std::to_string(options.ranksPerNode) + " per node");
  gloo::transport::tcp::attr attr;
  if (!options.interface.empty()) {
    checkNetworkInterface(options.interface);
    attr.iface = options.interface;
  } else {
    attr.hostname = localAddressTowards(options.rendezvous);
  }
  std::unique_ptr<RendezvousServer> server;
  if (options.rank == 0)
    server = std::make_unique<RendezvousServer>(options.rendezvous.host, options.rendezvous.port,
                                                options.secret);
  try {
    auto device = gloo::transport::tcp::CreateDevice(attr);
    RendezvousStore store(options.rendezvous, options.secret, options.connectTimeout);
    auto abort = std::make_shared<CommAbort>();
    auto world = std::make_unique<GlooCommunicator>(
        connectMeshes(store, "", options.rank, options.size, options.streams, device,
                      options.connectTimeout),
        abort, options.timeout);
    world->setTimeout(options.connectTimeout);
    if (hierarchical && !options.hierarchical.has_value()) {  // "auto"
      const size_t bytes = SharedMemoryGroup::segmentBytes(options.ranksPerNode, kSharedSlotFloats);
      const int shortRank = rankShortOfSharedMemory(*world, bytes);
      hierarchical = shortRank < 0;
      if (!hierarchical && options.note)
        options.note("parallel.hierarchical is auto, and /dev/shm on the machine of rank " +
                     std::to_string(shortRank) + " has less room than the " +
                     std::to_string(bytes >> 20) +
                     " MiB its ranks need to reduce through shared memory: gradients go over the "
                     "network (give /dev/shm more room, or set \"hierarchical\": false to choose "
                     "this)");
    }
    const int node = hierarchical ? options.rank / options.ranksPerNode : 0;
    const int nodes = hierarchical ? options.size / options.ranksPerNode : 0;
    const bool leader = hierarchical && options.rank % options.ranksPerNode == 0;
    std::unique_ptr<Communicator> leaders;
    if (leader && nodes > 1)
      leaders = std::make_unique<GlooCommunicator>(
          connectMeshes(store, "leaders-", node, nodes, options.streams, device,
                        options.connectTimeout),
          abort, options.timeout, options.ranksPerNode);
    // The statistics of ranks that all share a machine meet in shared memory (below).
    const bool statisticsShared = hierarchical && options.size == options.ranksPerNode;
    if (statistics && !statisticsShared)
      *statistics = std::make_unique<GlooCommunicator>(
          connectMeshes(store, "statistics-", options.rank, options.size, 1, device,
                        options.connectTimeout),
          abort, options.timeout);
    const auto heartbeats = options.size > 1
                                ? connectMeshes(store, "heartbeats-", options.rank, options.size, 1,
                                                device, options.connectTimeout)
                                : std::vector<std::shared_ptr<gloo::Context>>{};
    // Every rank has read every address once all have reached this barrier: nothing needs the
    // rendezvous any more.
    world->barrier();
    world->setTimeout(options.timeout);
    if (server) server->close();
    if (!heartbeats.empty())
      world->keepWatched(std::make_unique<PeerWatch>(
          heartbeats.front(), gatherHosts(*world, localAddressTowards(options.rendezvous)), abort,
          options.heartbeatPeriod, options.heartbeatSilence));
    if (!hierarchical) return world;
    const int localRank = options.rank % options.ranksPerNode;
    auto local = std::make_unique<SharedMemoryGroup>(sharedMemoryName(options.secret, node),
                                                     localRank, options.ranksPerNode,
                                                     kSharedSlotFloats, options.connectTimeout);
    local->setTimeout(options.timeout);
    local->watch(abort);
    if (statistics && statisticsShared) {
      auto group = std::make_unique<SharedMemoryGroup>(
          sharedMemoryName(options.secret, node) + "-statistics", localRank, options.ranksPerNode,
          kStatisticsSlotFloats, options.connectTimeout);
      group->setTimeout(options.timeout);
      group->watch(abort);
      *statistics = std::make_unique<SharedMemoryCollective>(std::move(group));
    }
    return std::make_unique<HierarchicalCommunicator>(std::move(world), std::move(leaders),
                                                      std::move(local),
                                                      sharedMemoryName(options.secret, node));
  } catch (const gloo::Exception& e) {
    throw CommError("rank " + std::to_string(options.rank) + ": connecting to the other ranks " +
                    "failed: " + e.what());
  }
}

}  // namespace twb
