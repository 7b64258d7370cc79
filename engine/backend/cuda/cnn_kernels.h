#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

// The kernels of the convolutional ops around cuDNN's (cudnn_nodes.cpp): a convolution's
// per-channel bias and its gradient, global average pooling, and a typed accumulate that serves
// Add and the casts of bf16 results into f32 gradients. Tensors are NCHW; every reduction runs
// in a fixed order, as in cuda_kernels.h.
namespace twb::gpu {

// y = x, or y += x with `accumulate`, converting between f32 and bf16 where the types differ.
template <typename S, typename D>
void launchAccumulate(const S* x, D* y, int64_t n, bool accumulate, cudaStream_t stream);

// y[i, c, p] += bias[c] over `images` images of `channels` planes of `plane` elements.
template <typename T>
void launchAddChannelBias(T* y, const float* bias, int64_t images, int64_t channels, int64_t plane,
                          cudaStream_t stream);
// db[c] = the sum of dy[i, c, p] over images and plane: one block per channel.
template <typename T>
void launchChannelBiasGradient(const T* dy, float* db, int64_t images, int64_t channels,
                               int64_t plane, cudaStream_t stream);

// y[r] = the mean of the `plane` elements of x's row r (rows = images x channels); backward
// dx[r, p] (+)= dy[r] / plane.
template <typename T>
void launchGlobalAvgPool(const T* x, T* y, int64_t rows, int64_t plane, cudaStream_t stream);
template <typename T>
void launchGlobalAvgPoolBackward(const T* dy, T* dx, int64_t rows, int64_t plane, bool accumulate,
                                 cudaStream_t stream);

}  // namespace twb::gpu
