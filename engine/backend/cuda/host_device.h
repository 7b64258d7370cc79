#pragma once

// What the CUDA backend's kernels share with the host: the functions a kernel runs per element,
// row or output are marked TWB_HOST_DEVICE, so that nvcc compiles them for the GPU and the
// host compiler for tests, which run them on the CPU where there is no GPU. f32 buffers convert
// here; bf16 ones in kernel_support.cuh (device only).
#ifdef __CUDACC__
#define TWB_HOST_DEVICE __host__ __device__
#else
#define TWB_HOST_DEVICE
#endif

namespace twb::gpu {

TWB_HOST_DEVICE inline float toFloat(float x) { return x; }

template <typename T>
TWB_HOST_DEVICE T fromFloat(float x);
template <>
TWB_HOST_DEVICE inline float fromFloat<float>(float x) {
  return x;
}

}  // namespace twb::gpu
