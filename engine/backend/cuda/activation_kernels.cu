#include <cuda_bf16.h>

#include "backend/cuda/activation_kernels.h"
#include "backend/cuda/kernel_support.cuh"

namespace twb::gpu {

namespace {
template <typename T>
__global__ void activation(Activation f, const T* x, T* y, int64_t n) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = fromFloat<T>(f(toFloat(x[i])));
}

template <typename T>
__global__ void activationPacked(Activation f, const Pack<T>* x, Pack<T>* y, int64_t packs) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < packs;
       i += int64_t(gridDim.x) * blockDim.x) {
    Pack<T> p = x[i];
    for (int k = 0; k < Pack<T>::kCount; ++k) p.v[k] = fromFloat<T>(f(toFloat(p.v[k])));
    y[i] = p;
  }
}

template <typename T>
__device__ inline T gradientOf(Activation f, T x, T dy, T dx, bool accumulate) {
  const float g = f.gradient(toFloat(x), toFloat(dy));
  return fromFloat<T>(accumulate ? toFloat(dx) + g : g);
}

template <typename T>
__global__ void activationBackward(Activation f, const T* x, const T* dy, T* dx, int64_t n,
                                   bool accumulate) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    dx[i] = gradientOf(f, x[i], dy[i], accumulate ? dx[i] : T{}, accumulate);
}

template <typename T>
__global__ void activationBackwardPacked(Activation f, const Pack<T>* x, const Pack<T>* dy,
                                         Pack<T>* dx, int64_t packs, bool accumulate) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < packs;
       i += int64_t(gridDim.x) * blockDim.x) {
    const Pack<T> in = x[i], grad = dy[i];
    Pack<T> out = accumulate ? dx[i] : Pack<T>{};
    for (int k = 0; k < Pack<T>::kCount; ++k)
      out.v[k] = gradientOf(f, in.v[k], grad.v[k], out.v[k], accumulate);
    dx[i] = out;
  }
}
}  // namespace

template <typename T>
void launchActivation(Activation f, const T* x, T* y, int64_t n, cudaStream_t stream) {
  const int64_t packed = packedElements<Pack<T>::kCount>(n, x, y);
  if (packed > 0) {
    const int64_t packs = packed / Pack<T>::kCount;
    activationPacked<<<blocksFor(packs), kThreads, 0, stream>>>(
        f, reinterpret_cast<const Pack<T>*>(x), reinterpret_cast<Pack<T>*>(y), packs);
    checkLaunch("activationPacked");
  }
  if (packed == n) return;
  activation<<<blocksFor(n - packed), kThreads, 0, stream>>>(f, x + packed, y + packed, n - packed);
  checkLaunch("activation");
}

template <typename T>
void launchActivationBackward(Activation f, const T* x, const T* dy, T* dx, int64_t n,
                              bool accumulate, cudaStream_t stream) {
  const int64_t packed = packedElements<Pack<T>::kCount>(n, x, dy, dx);
  if (packed > 0) {
    const int64_t packs = packed / Pack<T>::kCount;
    activationBackwardPacked<<<blocksFor(packs), kThreads, 0, stream>>>(
        f, reinterpret_cast<const Pack<T>*>(x), reinterpret_cast<const Pack<T>*>(dy),
        reinterpret_cast<Pack<T>*>(dx), packs, accumulate);
    checkLaunch("activationBackwardPacked");
  }
  if (packed == n) return;
  activationBackward<<<blocksFor(n - packed), kThreads, 0, stream>>>(
      f, x + packed, dy + packed, dx + packed, n - packed, accumulate);
  checkLaunch("activationBackward");
}

template void launchActivation<float>(Activation, const float*, float*, int64_t, cudaStream_t);
template void launchActivation<__nv_bfloat16>(Activation, const __nv_bfloat16*, __nv_bfloat16*,
                                              int64_t, cudaStream_t);
template void launchActivationBackward<float>(Activation, const float*, const float*, float*,
                                              int64_t, bool, cudaStream_t);
template void launchActivationBackward<__nv_bfloat16>(Activation, const __nv_bfloat16*,
                                                      const __nv_bfloat16*, __nv_bfloat16*, int64_t,
                                                      bool, cudaStream_t);

}  // namespace twb::gpu
