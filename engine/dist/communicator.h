#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/rank_collective.h"
#include "core/tensor.h"

namespace twb {

// The element type gradients travel in. Reductions always accumulate in f32; bf16 and f16 halve
// the bytes on the wire at the cost of rounding each hop's partial sum.
enum class WireType { f32, bf16, f16 };

WireType parseWireType(const std::string& name);  // "none" | "bf16" | "fp16"
const char* wireTypeName(WireType type);
size_t wireBytes(WireType type);  // bytes per element

// A collective failed: a peer died, stopped answering heartbeats (PeerWatch), kept a wait past
// the timeout or sent something else than expected. The message names this rank and the peer.
class CommError : public Error {
 public:
  using Error::Error;
};

// Collectives among the ranks of one job. Buffers are where the backend computes (host memory
// for Gloo, device memory for NCCL); every rank calls the same collectives in the same order.
// Calls on one communicator come from one thread at a time.
class Communicator : public RankCollective {
 public:

  // Sums `count` floats over every rank, in place; every rank ends with the same bits.
  // With a narrower wire type and `feedback` (count floats, zero at first), the rounding this
  // rank does is kept there and added back into the next call's data (error feedback), so
  // rounding errors do not accumulate over steps.
  virtual void allReduceSum(float* data, size_t count, WireType wire = WireType::f32,
                            float* feedback = nullptr) = 0;
  // The mean over every rank: allReduceSum, then every element times 1 / size(), to the same
  // bits; a communicator that can fold the scaling into its last pass over the data does.
  virtual void allReduceMean(float* data, size_t count, WireType wire = WireType::f32,
                             float* feedback = nullptr) {
    allReduceSum(data, count, wire, feedback);
    const float toMean = 1.0f / static_cast<float>(size());
    for (size_t i = 0; i < count; ++i) data[i] *= toMean;
  }
  // Sums over every rank, leaving rank r's share, elements [begin(r), begin(r + 1)) of
  // shardBegin(), reduced in place (the rest of `data` is scratch).
  virtual void reduceScatterSum(float* data, size_t count, WireType wire = WireType::f32) = 0;
  virtual void broadcast(void* data, size_t bytes, int root) = 0;
  virtual void barrier() = 0;

  // `floats` of memory whose ranges this communicator all-reduces faster than others, for the
  // gradients to live in: where a machine's ranks reduce through shared memory, this rank's part
  // of a segment they share, summed where backward wrote it. Empty where there is none.
  // Collective: every rank asks at the same point, for the same count.
  virtual Tensor gradientMemory(size_t floats) {
    (void)floats;
    return {};
  }

  // Parallel connections a large reduction is split across: at most maxStreams(), the number
  // the communicator was connected with.
  virtual int maxStreams() const { return 1; }
  virtual void useStreams(int streams) { (void)streams; }

  // How long one collective may wait for a peer before it fails with a CommError.
  virtual void setTimeout(std::chrono::milliseconds timeout) = 0;
  // Bytes this rank's reductions handed to the transport since it connected: the evidence
  // behind compression claims, counted where they are sent rather than computed from formulas.
  virtual uint64_t bytesSent() const = 0;
};

// The first element of rank r's share of a `count`-element reduce-scatter among `ranks`.
inline size_t shardBegin(size_t count, int ranks, int r) {
  return count / static_cast<size_t>(ranks) * static_cast<size_t>(r) +
         std::min(count % static_cast<size_t>(ranks), static_cast<size_t>(r));
}

}  // namespace twb
