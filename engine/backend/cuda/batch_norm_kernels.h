#pragma once

#include <cuda_runtime.h>

#include <cstdint>

// Batch norm's training passes over channels-last (NHWC) images: `rows` (images x positions) of
// `channels` values each. cuDNN's batch norm ran NHWC far slower than its bandwidth allows
// (ResNet-50's stem: 3.7 ms for 205 MB, NCHW, the H200 run of 2026-12-04), and PyTorch runs
// channels-last batch norm on kernels of its own. Every sum here runs in a fixed order, so a step
// gives the same bits every run (bit-identical resume), as in cuda_kernels.h.
namespace twb::gpu {

// Floats of scratch the passes below need for `rows` x `channels`: two sums per chunk of rows
// and channel.
int64_t batchNormScratchElements(int64_t rows, int64_t channels);

// Forward, training: the batch's mean and inverse deviation 1 / sqrt(var + eps) of each channel
// into saved[0, C) and saved[C, 2C); y = (x - mean) * inverse deviation * weight + bias; the
// running statistics move by `momentum` towards the batch's (the running variance takes the
// unbiased batch variance, as the CPU backend and PyTorch do).
template <typename T>
void launchBatchNormForward(const T* x, T* y, const float* weight, const float* bias,
                            float* runningMean, float* runningVar, float* saved, float* scratch,
                            int64_t rows, int64_t channels, float eps, float momentum,
                            cudaStream_t stream);

// Backward, from the saved statistics: the weight and bias gradients (written, not added), and
// dx (+)= weight * inverse deviation * (dy - mean(dy) - x_hat * mean(dy * x_hat)).
template <typename T>
void launchBatchNormBackward(const T* x, const T* dy, T* dx, const float* weight,
                             const float* saved, float* weightGrad, float* biasGrad, float* scratch,
                             int64_t rows, int64_t channels, bool accumulate, cudaStream_t stream);

}  // namespace twb::gpu
