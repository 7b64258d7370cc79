#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "backend/cuda/activation_math.h"

// The catalogue's elementwise activations (activation_math.h) on f32 or bf16 buffers, computed
// in f32: 16 bytes a thread where every buffer allows it, one element a thread for the rest.
namespace twb::gpu {

template <typename T>
void launchActivation(Activation f, const T* x, T* y, int64_t n, cudaStream_t stream);
// dx (+)= dy * f'(x); `accumulate`: add into dx (another reader of x wrote its gradient first).
template <typename T>
void launchActivationBackward(Activation f, const T* x, const T* dy, T* dx, int64_t n,
                              bool accumulate, cudaStream_t stream);

}  // namespace twb::gpu
