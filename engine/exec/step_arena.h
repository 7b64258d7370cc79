#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "graph/graph.h"

namespace twb {

// What each node's backward reads of the values it is bound to (CpuKernel::backwardReadsInput
// and backwardReadsOutput), per node.
struct BackwardReads {
  std::vector<std::vector<bool>> inputs;  // per node, per input
  std::vector<bool> output;               // per node
};

// Where a training step keeps its values and gradients. The step runs every node forward, then
// in reverse backward: a value is in use from its producer's forward to the last step that reads
// it (a reader's forward, or a backward that reads it), a gradient from the backward of the node
// that writes it (its reader) to its producer's backward. Buffers whose lives do not meet share
// one arena (exec/arena_plan.h), so a step holds what backward needs plus a few layers'
// gradients rather than every value and a gradient of each. The graph's inputs and outputs keep
// buffers of their own (read or set between steps), and so does a gradient share that no kernel
// writes (its reader's output has no gradient): it must stay zero.
struct StepPlacement {
  static constexpr size_t kOwnBuffer = SIZE_MAX;
  std::vector<size_t> valueOffset;                // per value, or kOwnBuffer
  std::vector<size_t> gradOffset;                 // per value, or kOwnBuffer
  std::vector<std::vector<size_t>> shareOffsets;  // per value read by several nodes: per reader
  size_t arenaBytes = 0;
};

// Every value, gradient and gradient share in a buffer of its own (calibration and the
// quantizer's checks, which read every value, and tests). `needsGrad` per value
// (exec/gradient_values.h).
StepPlacement ownBuffers(const Graph& graph, const std::vector<bool>& needsGrad);

// `bytes` per value, its buffer's size and its gradient's.
StepPlacement placeTrainingStep(const Graph& graph, const std::vector<bool>& needsGrad,
                                const std::vector<size_t>& bytes, const BackwardReads& reads);

// Where an inference pass keeps its values, which it reads only of the graph's outputs: each from
// the forward step that writes it to the last that reads it, so a pass holds a few layers'
// values rather than all of them. `bytes` per value (0: never stored); `writer` per value: the
// node whose kernel writes it (its producer, or an earlier node that computes the producer too);
// `storedIn` per value: the value whose buffer it is summed into in place, or -1 (that buffer
// then lives as long as either). The graph's inputs and outputs keep buffers of their own.
StepPlacement placeInference(const Graph& graph, const std::vector<size_t>& bytes,
                             const std::vector<int>& writer, const std::vector<int>& storedIn);

}  // namespace twb
