#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "backend/gpu_backend.h"

namespace twb::gpu {

// Where every buffer of a plan lives in the session's one device allocation, decided before
// anything is allocated, so a plan that does not fit is refused with its size, and a step
// allocates nothing. Offsets are in bytes from the allocation's start; -1: no such buffer.
struct MemoryPlan {
  struct Value {
    int64_t elements = 0, offset = -1, gradOffset = -1;
    int64_t landing = -1;  // graph inputs: where the copy stream puts the next step's
    int aliasOf = -1;      // a Flatten's output shares its input's buffers (same element order)
  };
  std::vector<Value> values;
  // Parameters live in flat f32 buffers, trainable ones first, so one launch updates them all.
  std::vector<int64_t> paramStart;  // element index of each parameter in the flat buffers
  int64_t paramElements = 0, trainableElements = 0;
  int64_t params = -1, grads = -1, state = -1, shadow = -1;  // shadow: bf16 copy, or -1
  int stateTensors = 0;                                      // per trainable parameter
  // Per node: bf16 copies of an f32 input or f32 output gradient for a bf16 matrix product or
  // convolution; a convolution's weights in channels-last order and its weight gradient as cuDNN
  // writes it (bf16 or channels-last); the partial sums of a two-pass reduction (a Linear's or a
  // convolution's bias gradient, a channels-last batch norm's statistics and gradients); batch
  // norm's saved statistics (per channel) and layer norm's (per row); the per-row losses of a
  // loss node.
  std::vector<int64_t> inputCast, gradCast, filter, filterGrad, partialSums, batchStats, rowLoss;
  std::vector<int64_t> firstBad;  // an Embedding's first position with a bad id
  int64_t scalars = -1, workspace = -1;
  // cuBLASLt's; convolutions get more, for cuDNN's faster algorithms.
  int64_t workspaceBytes = 32 << 20;
  int64_t totalBytes = 0;

  static MemoryPlan of(const GpuPlan& plan);
};

// Whether a Flatten of value `input` reorders it (NHWC on the GPU, NCHW once flat) rather than
// sharing its buffers.
bool reordersOnFlatten(const GpuPlan& plan, int input);

// core/shape.h's numel and toString, which this plugin cannot link (it links nothing of the
// engine).
inline int64_t elementsOf(const Shape& shape) {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

inline std::string shapeText(const Shape& shape) {  // "[128, 1, 28, 28]"
  std::string text = "[";
  for (size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

}  // namespace twb::gpu
