#pragma once

#include <cublasLt.h>
#include <cuda_bf16.h>
#include <cuda_runtime.h>
#include <cudnn.h>

#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/lt_matmul.h"
#include "backend/gpu_backend.h"
#include "core/error.h"

namespace twb::gpu {

// A node's buffers on the device, fixed when the session is built.
struct NodeBuffers {
  std::vector<void*> inputs, inputGrads;  // inputGrads[i] null: no gradient wanted
  std::vector<bool> accumulate;           // add into inputGrads[i] (another reader wrote first)
  std::vector<bool> inputBf16;
  void* output = nullptr;
  void* outputGrad = nullptr;
  bool outputBf16 = false;
  std::vector<float*> params, paramGrads;  // f32 masters and their gradients (flat buffers)
  std::vector<void*> paramsBf16;           // bf16 shadows, for bf16 nodes
  void* inputCast = nullptr;               // bf16 scratch (memory_plan.h)
  void* gradCast = nullptr;
  void* filter = nullptr;          // a channels-last convolution's weights, (out, kh, kw, in)
  void* filterGrad = nullptr;      // a convolution's weight gradient as cuDNN writes it, before f32
  float* batchStats = nullptr;     // batch (per channel) or layer norm's (per row) mean and 1/dev
  float* partialSums = nullptr;
  float* rowLoss = nullptr;
  const StepScalars* scalars = nullptr;  // this step's, on the device (dropout's seed)
  unsigned long long* firstBad = nullptr;  // an Embedding's first bad position (index_ops.h)
  void* workspace = nullptr;
  size_t workspaceBytes = 0;
};

// One node's work on the GPU: kernels enqueued on a stream, nothing allocated per call.
class CudaNode {
 public:
  virtual ~CudaNode() = default;
  virtual void forward(cudaStream_t stream) = 0;
  virtual void backward(cudaStream_t stream) = 0;
  // After a step has finished on the device: throws twb::Error for what the step found wrong in
  // its data (an Embedding's token id outside its table), naming the node.
  virtual void checkAfterStep() {}
  // What computes it, for profiles (a convolution names cuDNN's algorithm for each pass).
  virtual std::string implementation() const { return "CUDA kernel"; }
};

// Ops that keep their input's type (normalisation, pooling) run in one type here.
inline void requireSamePrecision(const NodeBuffers& b) {
  if (b.inputBf16[0] != b.outputBf16)
    throw Error("its input and output must have the same precision here");
}

// The element type behind withElementType's null pointers: using T = Elem<decltype(type)>.
template <typename Null>
using Elem = std::remove_pointer_t<Null>;

// Calls f with a null pointer of a buffer's element type, bf16 or float, so that one generic
// lambda launches the kernel of either.
template <typename F>
void withElementType(bool isBf16, F&& f) {
  if (isBf16)
    f(static_cast<__nv_bfloat16*>(nullptr));
  else
    f(static_cast<float*>(nullptr));
}

// withElementType for two or three buffers: f(a, b) or f(a, b, c).
template <typename F>
void withElementTypes(bool aBf16, bool bBf16, F&& f) {
  withElementType(aBf16, [&](auto a) { withElementType(bBf16, [&](auto b) { f(a, b); }); });
}
template <typename F>
void withElementTypes(bool aBf16, bool bBf16, bool cBf16, F&& f) {
  withElementTypes(aBf16, bBf16,
                   [&](auto a, auto b) { withElementType(cBf16, [&](auto c) { f(a, b, c); }); });
}

// The ops this backend runs.
const std::vector<std::string>& cudaOps();

// The library handles a session's nodes enqueue their work through.
struct CudaLibraries {
  cublasLtHandle_t lt = nullptr;
  cudnnHandle_t dnn = nullptr;
};

// Throws twb::Error naming the node when its op or attributes are not supported here.
std::unique_ptr<CudaNode> makeCudaNode(const GpuPlan& plan, size_t node, NodeBuffers buffers,
                                       const CudaLibraries& libraries);

}  // namespace twb::gpu
