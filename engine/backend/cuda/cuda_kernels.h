#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

// The CUDA backend's own kernels: the bias, the loss and the fused optimizer update (the
// activations: activation_kernels.h).
// Each launcher enqueues on `stream` and checks the launch. Every reduction runs in a fixed order
// (one thread or one block per result), so a step gives the same bits eagerly and replayed from a
// CUDA graph, and from run to run.
namespace twb::gpu {

// `accumulate`: add into the destination (a value read by several nodes sums their gradients).

// out[r, c] += bias[c] for a row-major [rows, cols] output.
template <typename T>
void launchAddBias(T* out, const float* bias, int64_t rows, int64_t cols, cudaStream_t stream);
// db[c] = sum_r dy[r, c], in two passes over `partial` (biasPartialElements floats): sums of
// row chunks side by side, then the chunks in order; deterministic and using the whole GPU.
int64_t biasPartialElements(int64_t rows, int64_t cols);
template <typename T>
void launchBiasGradient(const T* dy, float* partial, float* db, int64_t rows, int64_t cols,
                        cudaStream_t stream);
// db[c] = sum_k partial[k, c] over `chunks` rows, in order: the second pass of both.
void launchSumChunks(const float* partial, float* db, int64_t chunks, int64_t cols,
                     cudaStream_t stream);

void launchToBf16(const float* x, __nv_bfloat16* y, int64_t n, cudaStream_t stream);

// Uniform values in [-1, 1) from a counter hash: benchmark operands that are not zeros.
template <typename T>
void launchFillUniform(T* x, int64_t n, uint32_t seed, cudaStream_t stream);

// Softmax cross-entropy on f32 logits [rows, classes]: rowLoss[r] = -log softmax(x_r)[label_r];
// loss = mean of rowLoss. Backward: dx (+)= g / rows * (softmax(x) - onehot(label)), g = *dloss.
void launchCrossEntropy(const float* logits, const int32_t* labels, float* rowLoss, float* loss,
                        int64_t rows, int64_t classes, cudaStream_t stream);
void launchCrossEntropyBackward(const float* logits, const int32_t* labels, const float* dloss,
                                float* dx, int64_t rows, int64_t classes, bool accumulate,
                                cudaStream_t stream);

// What changes from step to step, read by the update from device memory so that a captured
// graph replays with each step's values (copied from pinned host memory inside the graph).
struct StepScalars {
  float lr = 0;
  float stepSize = 0;         // adam: lr / (1 - beta1^t)
  float correction2Sqrt = 1;  // adam: sqrt(1 - beta2^t)
  uint64_t seed = 0;          // dropout's masks (GpuSession::setRandomSeed)
};

struct UpdateConstants {
  float momentum = 0, weightDecay = 0, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  bool nesterov = false;
};

// The fused update of every trainable parameter in one launch over the flat buffers, with
// PyTorch's formulas (train/optimizer.cpp). `shadow`, when not null, receives the new weights
// in bf16 for the bf16 matrix products.
void launchSgd(float* w, const float* g, float* momentumBuffer, __nv_bfloat16* shadow, int64_t n,
               const StepScalars* scalars, UpdateConstants c, cudaStream_t stream);
void launchAdam(float* w, const float* g, float* m, float* v, __nv_bfloat16* shadow, int64_t n,
                const StepScalars* scalars, UpdateConstants c, bool decoupled, cudaStream_t stream);

}  // namespace twb::gpu
