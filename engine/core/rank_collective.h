#pragma once

#include <cstddef>

namespace twb {

// The ranks of a data-parallel job as a kernel sees them: synchronized BatchNorm gathers its
// per-channel statistics from every rank in the middle of forward and backward. dist/'s
// communicators implement it; kernels without one (a single process) keep per-rank statistics.
class RankCollective {
 public:
  virtual ~RankCollective() = default;
  virtual int rank() const = 0;
  virtual int size() const = 0;
  // Every rank's `bytes` bytes of `mine`, in rank order, into `all` (size() * bytes); 0 bytes
  // on every rank: nothing.
  virtual void allGather(const void* mine, size_t bytes, void* all) = 0;
};

}  // namespace twb
