#pragma once

#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <cstdint>

#include "backend/cuda/bf16_convert.h"
#include "backend/cuda/cuda_check.h"

// What the backend's kernel files share: launch sizes, the launch check, and the conversions
// that let a kernel compute in f32 whatever type a buffer holds (bf16_convert.h).
namespace twb::gpu {

constexpr int kThreads = 256;

// Grid-stride kernels: enough blocks to fill the GPU, capped where more would only queue.
inline unsigned blocksFor(int64_t n) {
  const int64_t blocks = (n + kThreads - 1) / kThreads;
  return static_cast<unsigned>(blocks < 65535 * 16 ? blocks : 65535 * 16);
}

inline void checkLaunch(const char* kernel) { checkCuda(cudaGetLastError(), kernel); }

// N elements of T that one thread loads and stores at once, 16 bytes by default: elementwise
// kernels with one element a thread moved 1.3 TB/s of the H200's 4.8 (the wide MLP's bf16
// ReLUs, 2026-12-04).
template <typename T, int N = 16 / sizeof(T)>
struct alignas(sizeof(T) * N < 16 ? sizeof(T) * N : 16) Pack {
  static constexpr int kCount = N;
  T v[N];
};

static_assert(sizeof(Pack<__nv_bfloat16, 4>) == 8 && sizeof(Pack<float, 8>) == 32,
              "a pack holds its elements without padding, so packs tile a buffer");

// How many of the first n elements go in packs of N: every whole pack when each buffer starts
// on a 16-byte boundary (null buffers, unused, do), none otherwise.
template <int N, typename... Buffers>
int64_t packedElements(int64_t n, const Buffers*... buffers) {
  const bool aligned = ((reinterpret_cast<uintptr_t>(buffers) % 16 == 0) && ...);
  return aligned ? n / N * N : 0;
}

// The sum of every thread's `value` in a block of kThreads threads, in a fixed tree (the same
// bits every run), returned to thread 0. `partial` is the block's shared array of kThreads.
__device__ inline float blockSum(float value, float* partial) {
  partial[threadIdx.x] = value;
  __syncthreads();
  for (int stride = kThreads / 2; stride > 0; stride /= 2) {
    if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
    __syncthreads();
  }
  return partial[0];
}

}  // namespace twb::gpu
