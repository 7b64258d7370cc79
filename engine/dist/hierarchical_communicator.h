#pragma once

#include <memory>
#include <string>

#include "dist/communicator.h"
#include "dist/shared_memory_group.h"

namespace twb {

// Hierarchical all-reduce: the ranks of one machine sum through shared memory (each rank adds
// up its share of the elements over every local slot), the machine's first rank all-reduces that
// sum with the other machines' first ranks over the network, and every local rank copies the
// result back. Only one rank per machine sends, so the network carries 1/ranks_per_node of a
// flat ring's traffic. Everything but all-reduce (broadcast, gathers, barriers) goes over the
// flat `world` communicator.
//
// Data elsewhere is copied into the slots and back, a chunk at a time; gradients that live in
// gradientMemory() are summed where they lie, each rank writing its share of the sum into every
// rank's part (on one machine), which saves the copies and half the waits.
class HierarchicalCommunicator : public Communicator {
 public:
  // `leaders`: the machines' first ranks among themselves; null on the other ranks, and when
  // the job has one machine. `sharedName`: the name of `local`'s segment, which further ones
  // (gradientMemory()) extend.
  HierarchicalCommunicator(std::unique_ptr<Communicator> world,
                           std::unique_ptr<Communicator> leaders,
                           std::unique_ptr<SharedMemoryGroup> local, std::string sharedName);

  int rank() const override { return m_world->rank(); }
  int size() const override { return m_world->size(); }
  void allReduceSum(float* data, size_t count, WireType wire = WireType::f32,
                    float* feedback = nullptr) override;
  // In gradient memory each rank scales its share as it sums it (one machine) or as it copies
  // the result back (several): no pass of its own.
  void allReduceMean(float* data, size_t count, WireType wire = WireType::f32,
                     float* feedback = nullptr) override;
  void reduceScatterSum(float* data, size_t count, WireType wire = WireType::f32) override {
    m_world->reduceScatterSum(data, count, wire);
  }
  void allGather(const void* mine, size_t bytes, void* all) override {
    m_world->allGather(mine, bytes, all);
  }
  void broadcast(void* data, size_t bytes, int root) override {
    m_world->broadcast(data, bytes, root);
  }
  void barrier() override { m_world->barrier(); }
  // A segment of `floats` a rank on this machine, when every machine has room for it in
  // /dev/shm (empty otherwise: the copies are still there).
  Tensor gradientMemory(size_t floats) override;
  int maxStreams() const override { return m_world->maxStreams(); }
  void useStreams(int streams) override;
  void setTimeout(std::chrono::milliseconds timeout) override;
  uint64_t bytesSent() const override;

 private:
  // The offset of [data, data + count) in this rank's part of m_gradients; npos where it is
  // not there.
  size_t offsetInGradients(const float* data, size_t count) const;
  // The sum of `count` floats at `offset` of every rank's part of m_gradients, in place, times
  // `scale`.
  void allReduceInPlace(size_t offset, size_t count, WireType wire, float* feedback, float scale);
  bool oneMachine() const { return m_world->size() == m_local->localSize(); }

  std::unique_ptr<Communicator> m_world, m_leaders;
  std::unique_ptr<SharedMemoryGroup> m_local;
  std::string m_sharedName;
  std::shared_ptr<SharedMemoryGroup> m_gradients;  // shared with the tensor over its slot
};

}  // namespace twb
