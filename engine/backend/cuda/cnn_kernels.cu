#include "backend/cuda/cnn_kernels.h"
#include "backend/cuda/kernel_support.cuh"

namespace twb::gpu {

namespace {
template <typename S, typename D>
__global__ void accumulateInto(const S* x, D* y, int64_t n, bool accumulate) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = fromFloat<D>(accumulate ? toFloat(y[i]) + toFloat(x[i]) : toFloat(x[i]));
}

template <typename T>
__global__ void addChannelBias(T* y, const float* bias, int64_t n, int64_t channels,
                               int64_t plane) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = fromFloat<T>(toFloat(y[i]) + bias[i / plane % channels]);
}

// The block's threads walk (image, position) pairs of channel blockIdx.x together, so small
// planes (4x4 at the end of a CIFAR ResNet) keep every thread busy.
template <typename T>
__global__ void channelBiasGradient(const T* dy, float* db, int64_t images, int64_t channels,
                                    int64_t plane) {
  __shared__ float partial[kThreads];
  const int64_t c = blockIdx.x;
  float sum = 0;
  for (int64_t k = threadIdx.x; k < images * plane; k += kThreads) {
    const int64_t image = k / plane, p = k % plane;
    sum += toFloat(dy[(image * channels + c) * plane + p]);
  }
  sum = blockSum(sum, partial);
  if (threadIdx.x == 0) db[c] = sum;
}

// One thread per row: planes are small (7x7 in ResNet-50), and the order of the sum is fixed.
template <typename T>
__global__ void globalAvgPool(const T* x, T* y, int64_t rows, int64_t plane) {
  const int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (r >= rows) return;
  float sum = 0;
  for (int64_t p = 0; p < plane; ++p) sum += toFloat(x[r * plane + p]);
  y[r] = fromFloat<T>(sum / static_cast<float>(plane));
}

template <typename T>
__global__ void globalAvgPoolBackward(const T* dy, T* dx, int64_t rows, int64_t plane,
                                      bool accumulate) {
  const int64_t n = rows * plane;
  const float scale = 1.f / static_cast<float>(plane);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const float g = toFloat(dy[i / plane]) * scale;
    dx[i] = fromFloat<T>(accumulate ? toFloat(dx[i]) + g : g);
  }
}
}  // namespace

template <typename S, typename D>
void launchAccumulate(const S* x, D* y, int64_t n, bool accumulate, cudaStream_t stream) {
  accumulateInto<<<blocksFor(n), kThreads, 0, stream>>>(x, y, n, accumulate);
  checkLaunch("accumulateInto");
}

template <typename T>
void launchAddChannelBias(T* y, const float* bias, int64_t images, int64_t channels, int64_t plane,
                          cudaStream_t stream) {
  const int64_t n = images * channels * plane;
  addChannelBias<<<blocksFor(n), kThreads, 0, stream>>>(y, bias, n, channels, plane);
  checkLaunch("addChannelBias");
}

template <typename T>
void launchChannelBiasGradient(const T* dy, float* db, int64_t images, int64_t channels,
                               int64_t plane, cudaStream_t stream) {
  channelBiasGradient<<<static_cast<unsigned>(channels), kThreads, 0, stream>>>(dy, db, images,
                                                                                channels, plane);
  checkLaunch("channelBiasGradient");
}

template <typename T>
void launchGlobalAvgPool(const T* x, T* y, int64_t rows, int64_t plane, cudaStream_t stream) {
  const auto blocks = static_cast<unsigned>((rows + kThreads - 1) / kThreads);
  globalAvgPool<<<blocks, kThreads, 0, stream>>>(x, y, rows, plane);
  checkLaunch("globalAvgPool");
}

template <typename T>
void launchGlobalAvgPoolBackward(const T* dy, T* dx, int64_t rows, int64_t plane, bool accumulate,
                                 cudaStream_t stream) {
  globalAvgPoolBackward<<<blocksFor(rows * plane), kThreads, 0, stream>>>(dy, dx, rows, plane,
                                                                          accumulate);
  checkLaunch("globalAvgPoolBackward");
}

using bf16 = __nv_bfloat16;
template void launchAccumulate<float, float>(const float*, float*, int64_t, bool, cudaStream_t);
template void launchAccumulate<bf16, bf16>(const bf16*, bf16*, int64_t, bool, cudaStream_t);
template void launchAccumulate<bf16, float>(const bf16*, float*, int64_t, bool, cudaStream_t);
template void launchAccumulate<float, bf16>(const float*, bf16*, int64_t, bool, cudaStream_t);
template void launchAddChannelBias<float>(float*, const float*, int64_t, int64_t, int64_t,
                                          cudaStream_t);
template void launchAddChannelBias<bf16>(bf16*, const float*, int64_t, int64_t, int64_t,
                                         cudaStream_t);
template void launchChannelBiasGradient<float>(const float*, float*, int64_t, int64_t, int64_t,
                                               cudaStream_t);
template void launchChannelBiasGradient<bf16>(const bf16*, float*, int64_t, int64_t, int64_t,
                                              cudaStream_t);
template void launchGlobalAvgPool<float>(const float*, float*, int64_t, int64_t, cudaStream_t);
template void launchGlobalAvgPool<bf16>(const bf16*, bf16*, int64_t, int64_t, cudaStream_t);
template void launchGlobalAvgPoolBackward<float>(const float*, float*, int64_t, int64_t, bool,
                                                 cudaStream_t);
template void launchGlobalAvgPoolBackward<bf16>(const bf16*, bf16*, int64_t, int64_t, bool,
                                                cudaStream_t);

}  // namespace twb::gpu
