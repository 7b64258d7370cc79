#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

// The kernels of the convolutional ops around cuDNN's (cudnn_nodes.cpp): a convolution's
// per-channel bias and its gradient, global average pooling, a typed accumulate that serves Add
// and the casts of bf16 results into f32 gradients, and the moves between NCHW and NHWC
// (channels-last plans, GpuPlan::channelsLast). Every reduction runs in a fixed order, as in
// cuda_kernels.h.
namespace twb::gpu {

// y = x, or y += x with `accumulate`, converting between f32 and bf16 where the types differ.
template <typename S, typename D>
void launchAccumulate(const S* x, D* y, int64_t n, bool accumulate, cudaStream_t stream);

// The order of an image's elements: (channels, plane), or channels-last (plane, channels).
enum class Layout { nchw, nhwc };

// dst (+)= src, `images` images of `channels` planes of `plane` elements moved from the other
// layout into `to`, converting the type. Weights (out, in, kh, kw) move to cuDNN's
// (out, kh, kw, in) the same way.
template <typename S, typename D>
void launchRelayout(const S* src, D* dst, int64_t images, int64_t channels, int64_t plane,
                    Layout to, bool accumulate, cudaStream_t stream);

// y[i, c, p] += bias[c] over `images` images of `channels` planes of `plane` elements, NCHW;
// with `channelsLast`, y[i, p, c] += bias[c].
template <typename T>
void launchAddChannelBias(T* y, const float* bias, int64_t images, int64_t channels, int64_t plane,
                          bool channelsLast, cudaStream_t stream);
// db[c] = the sum of dy[i, c, p] over images and plane (NCHW), in two deterministic passes over
// `partial` (channelBiasPartialElements floats): sums of chunks of each channel side by side,
// then the chunks in order. One block per channel left cnn-small's 32-channel conv1 with 32
// blocks of 784 loads a thread.
int64_t channelBiasPartialElements(int64_t images, int64_t channels, int64_t plane);
template <typename T>
void launchChannelBiasGradient(const T* dy, float* partial, float* db, int64_t images,
                               int64_t channels, int64_t plane, cudaStream_t stream);

// y[i, c] = the mean of x's plane (i, c), x NCHW or, with `channelsLast`, NHWC; backward
// dx (+)= dy[i, c] / plane over that plane.
template <typename T>
void launchGlobalAvgPool(const T* x, T* y, int64_t images, int64_t channels, int64_t plane,
                         bool channelsLast, cudaStream_t stream);
template <typename T>
void launchGlobalAvgPoolBackward(const T* dy, T* dx, int64_t images, int64_t channels,
                                 int64_t plane, bool channelsLast, bool accumulate,
                                 cudaStream_t stream);

}  // namespace twb::gpu
