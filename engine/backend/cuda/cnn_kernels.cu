#include "backend/cuda/cnn_kernels.h"
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/kernel_support.cuh"

namespace twb::gpu {

namespace {
template <typename S, typename D>
__global__ void accumulateInto(const S* x, D* y, int64_t n, bool accumulate) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = fromFloat<D>(accumulate ? toFloat(y[i]) + toFloat(x[i]) : toFloat(x[i]));
}

// Packs as wide as 16 bytes of the narrower type (a bf16 input's cast moves 8 values a thread).
template <typename S, typename D>
constexpr int kAccumulatePack = 16 / (sizeof(S) < sizeof(D) ? sizeof(S) : sizeof(D));

template <typename S, typename D>
__global__ void accumulatePacked(const Pack<S, kAccumulatePack<S, D>>* x,
                                 Pack<D, kAccumulatePack<S, D>>* y, int64_t packs,
                                 bool accumulate) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < packs;
       i += int64_t(gridDim.x) * blockDim.x) {
    const Pack<S, kAccumulatePack<S, D>> in = x[i];
    Pack<D, kAccumulatePack<S, D>> out = accumulate ? y[i] : Pack<D, kAccumulatePack<S, D>>{};
    for (int k = 0; k < kAccumulatePack<S, D>; ++k)
      out.v[k] = fromFloat<D>(accumulate ? toFloat(out.v[k]) + toFloat(in.v[k]) : toFloat(in.v[k]));
    y[i] = out;
  }
}

// One thread per destination element, so writes are contiguous (reads stride by a plane or by
// the channels): simple and deterministic; the layouts' moves are a small part of a step.
template <typename S, typename D>
__global__ void relayout(const S* src, D* dst, int64_t images, int64_t channels, int64_t plane,
                         bool toChannelsLast, bool accumulate) {
  const int64_t n = images * channels * plane;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t image = i / (channels * plane), within = i % (channels * plane);
    // `within` counts (p, c) in the destination when it is channels-last, else (c, p).
    const int64_t c = toChannelsLast ? within % channels : within / plane;
    const int64_t p = toChannelsLast ? within / channels : within % plane;
    const int64_t from =
        toChannelsLast ? (image * channels + c) * plane + p : (image * plane + p) * channels + c;
    const float v = toFloat(src[from]);
    dst[i] = fromFloat<D>(accumulate ? toFloat(dst[i]) + v : v);
  }
}

template <typename T>
__global__ void addChannelBias(T* y, const float* bias, int64_t n, int64_t channels, int64_t plane,
                               bool channelsLast) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    y[i] = fromFloat<T>(toFloat(y[i]) + bias[channelsLast ? i % channels : i / plane % channels]);
}

// Values of one channel a block sums, at least: 8 a thread.
constexpr int64_t kChannelChunk = 8 * kThreads;

// The chunk size that keeps the chunks of a channel within a grid's 65535 rows.
int64_t channelChunk(int64_t count) {
  const int64_t fewest = (count + 65534) / 65535;
  return fewest > kChannelChunk ? fewest : kChannelChunk;
}

// Block (c, k) sums chunk k of channel c's (image, position) values into partial[k, c].
template <typename T>
__global__ void channelPartialSums(const T* dy, float* partial, int64_t images, int64_t channels,
                                   int64_t plane, int64_t chunk) {
  __shared__ float sums[kThreads];
  const int64_t c = blockIdx.x;
  const int64_t first = blockIdx.y * chunk, count = images * plane;
  const int64_t last = first + chunk < count ? first + chunk : count;
  float sum = 0;
  for (int64_t k = first + threadIdx.x; k < last; k += kThreads) {
    const int64_t image = k / plane, p = k % plane;
    sum += toFloat(dy[(image * channels + c) * plane + p]);
  }
  sum = blockSum(sum, sums);
  if (threadIdx.x == 0) partial[blockIdx.y * channels + c] = sum;
}

// Where element p of plane (image, c) lives, NCHW or NHWC.
__device__ inline int64_t planeElement(int64_t image, int64_t c, int64_t p, int64_t channels,
                                       int64_t plane, bool channelsLast) {
  return channelsLast ? (image * plane + p) * channels + c : (image * channels + c) * plane + p;
}

// One thread per (image, channel): planes are small (7x7 in ResNet-50), the sum's order fixed.
template <typename T>
__global__ void globalAvgPool(const T* x, T* y, int64_t images, int64_t channels, int64_t plane,
                              bool channelsLast) {
  const int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (r >= images * channels) return;
  const int64_t image = r / channels, c = r % channels;
  float sum = 0;
  for (int64_t p = 0; p < plane; ++p)
    sum += toFloat(x[planeElement(image, c, p, channels, plane, channelsLast)]);
  y[r] = fromFloat<T>(sum / static_cast<float>(plane));
}

template <typename T>
__global__ void globalAvgPoolBackward(const T* dy, T* dx, int64_t images, int64_t channels,
                                      int64_t plane, bool channelsLast, bool accumulate) {
  const int64_t n = images * channels * plane;
  const float scale = 1.f / static_cast<float>(plane);
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    const int64_t image = i / (channels * plane);
    const int64_t c = channelsLast ? i % channels : i / plane % channels;
    const float g = toFloat(dy[image * channels + c]) * scale;
    dx[i] = fromFloat<T>(accumulate ? toFloat(dx[i]) + g : g);
  }
}
}  // namespace

template <typename S, typename D>
void launchAccumulate(const S* x, D* y, int64_t n, bool accumulate, cudaStream_t stream) {
  constexpr int kPack = kAccumulatePack<S, D>;
  const int64_t packed = packedElements<kPack>(n, x, y);
  if (packed > 0) {
    accumulatePacked<S, D><<<blocksFor(packed / kPack), kThreads, 0, stream>>>(
        reinterpret_cast<const Pack<S, kPack>*>(x), reinterpret_cast<Pack<D, kPack>*>(y),
        packed / kPack, accumulate);
    checkLaunch("accumulatePacked");
  }
  if (packed == n) return;
  accumulateInto<<<blocksFor(n - packed), kThreads, 0, stream>>>(x + packed, y + packed, n - packed,
                                                                 accumulate);
  checkLaunch("accumulateInto");
}

template <typename S, typename D>
void launchRelayout(const S* src, D* dst, int64_t images, int64_t channels, int64_t plane,
                    Layout to, bool accumulate, cudaStream_t stream) {
  relayout<<<blocksFor(images * channels * plane), kThreads, 0, stream>>>(
      src, dst, images, channels, plane, to == Layout::nhwc, accumulate);
  checkLaunch("relayout");
}

template <typename T>
void launchAddChannelBias(T* y, const float* bias, int64_t images, int64_t channels, int64_t plane,
                          bool channelsLast, cudaStream_t stream) {
  const int64_t n = images * channels * plane;
  addChannelBias<<<blocksFor(n), kThreads, 0, stream>>>(y, bias, n, channels, plane, channelsLast);
  checkLaunch("addChannelBias");
}

int64_t channelBiasPartialElements(int64_t images, int64_t channels, int64_t plane) {
  const int64_t count = images * plane, chunk = channelChunk(count);
  return (count + chunk - 1) / chunk * channels;
}

template <typename T>
void launchChannelBiasGradient(const T* dy, float* partial, float* db, int64_t images,
                               int64_t channels, int64_t plane, cudaStream_t stream) {
  const int64_t count = images * plane, chunk = channelChunk(count);
  const int64_t chunks = (count + chunk - 1) / chunk;
  const dim3 grid(static_cast<unsigned>(channels), static_cast<unsigned>(chunks));
  channelPartialSums<<<grid, kThreads, 0, stream>>>(dy, partial, images, channels, plane, chunk);
  checkLaunch("channelPartialSums");
  launchSumChunks(partial, db, chunks, channels, stream);
}

template <typename T>
void launchGlobalAvgPool(const T* x, T* y, int64_t images, int64_t channels, int64_t plane,
                         bool channelsLast, cudaStream_t stream) {
  const auto blocks = static_cast<unsigned>((images * channels + kThreads - 1) / kThreads);
  globalAvgPool<<<blocks, kThreads, 0, stream>>>(x, y, images, channels, plane, channelsLast);
  checkLaunch("globalAvgPool");
}

template <typename T>
void launchGlobalAvgPoolBackward(const T* dy, T* dx, int64_t images, int64_t channels,
                                 int64_t plane, bool channelsLast, bool accumulate,
                                 cudaStream_t stream) {
  globalAvgPoolBackward<<<blocksFor(images * channels * plane), kThreads, 0, stream>>>(
      dy, dx, images, channels, plane, channelsLast, accumulate);
  checkLaunch("globalAvgPoolBackward");
}

using bf16 = __nv_bfloat16;
template void launchAccumulate<float, float>(const float*, float*, int64_t, bool, cudaStream_t);
template void launchAccumulate<bf16, bf16>(const bf16*, bf16*, int64_t, bool, cudaStream_t);
template void launchAccumulate<bf16, float>(const bf16*, float*, int64_t, bool, cudaStream_t);
template void launchAccumulate<float, bf16>(const float*, bf16*, int64_t, bool, cudaStream_t);
#define TWB_RELAYOUT(S, D)                                                                  \
  template void launchRelayout<S, D>(const S*, D*, int64_t, int64_t, int64_t, Layout, bool, \
                                     cudaStream_t);
TWB_RELAYOUT(float, float)
TWB_RELAYOUT(bf16, bf16)
TWB_RELAYOUT(float, bf16)
TWB_RELAYOUT(bf16, float)
#undef TWB_RELAYOUT
template void launchAddChannelBias<float>(float*, const float*, int64_t, int64_t, int64_t, bool,
                                          cudaStream_t);
template void launchAddChannelBias<bf16>(bf16*, const float*, int64_t, int64_t, int64_t, bool,
                                         cudaStream_t);
template void launchChannelBiasGradient<float>(const float*, float*, float*, int64_t, int64_t,
                                               int64_t, cudaStream_t);
template void launchChannelBiasGradient<bf16>(const bf16*, float*, float*, int64_t, int64_t,
                                              int64_t, cudaStream_t);
template void launchGlobalAvgPool<float>(const float*, float*, int64_t, int64_t, int64_t, bool,
                                         cudaStream_t);
template void launchGlobalAvgPool<bf16>(const bf16*, bf16*, int64_t, int64_t, int64_t, bool,
                                        cudaStream_t);
template void launchGlobalAvgPoolBackward<float>(const float*, float*, int64_t, int64_t, int64_t,
                                                 bool, bool, cudaStream_t);
template void launchGlobalAvgPoolBackward<bf16>(const bf16*, bf16*, int64_t, int64_t, int64_t, bool,
                                                bool, cudaStream_t);

}  // namespace twb::gpu
