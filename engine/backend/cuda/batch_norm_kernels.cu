#include "backend/cuda/batch_norm_kernels.h"
#include "backend/cuda/kernel_support.cuh"

namespace twb::gpu {

namespace {
// A block sums one chunk of rows of kColumns channels, kRowThreads rows at a time: a warp reads
// 32 neighbouring channels of a row.
constexpr int kColumns = 32, kRowThreads = 8;
// At most kMaxChunks chunks a channel, so that the pass over the chunks' sums (a warp a channel)
// stays short; at least kMinChunkRows rows a chunk, so that small batches use few.
constexpr int64_t kMaxChunks = 256, kMinChunkRows = 256;

int64_t chunkRowsFor(int64_t rows) {
  const int64_t even = (rows + kMaxChunks - 1) / kMaxChunks;
  return even > kMinChunkRows ? even : kMinChunkRows;
}

int64_t chunksFor(int64_t rows) {
  const int64_t chunkRows = chunkRowsFor(rows);
  return (rows + chunkRows - 1) / chunkRows;
}

// Forward's two sums: of x - origin and its square, the origin being the channel's value in the
// first row, the same for every chunk, so that the variance's subtraction cancels little.
template <typename T>
struct ShiftedMoments {
  const T* x;
  __device__ float origin(int64_t c) const { return toFloat(x[c]); }
  __device__ float2 terms(int64_t i, float origin) const {
    const float d = toFloat(x[i]) - origin;
    return {d, d * d};
  }
};

// Backward's two sums: of dy and of dy * (x - mean).
template <typename T>
struct GradientMoments {
  const T* x;
  const T* dy;
  const float* mean;
  __device__ float origin(int64_t c) const { return mean[c]; }
  __device__ float2 terms(int64_t i, float mean) const {
    const float g = toFloat(dy[i]);
    return {g, g * (toFloat(x[i]) - mean)};
  }
};

// Block (tile, k) sums chunk k of its channels' rows: the first sums into scratch[k, c], the
// second into scratch[chunks + k, c].
template <typename Moments>
__global__ void chunkSums(Moments moments, float* scratch, int64_t rows, int64_t channels,
                          int64_t chunkRows) {
  __shared__ float2 partial[kRowThreads][kColumns];
  const int64_t c = blockIdx.x * int64_t(kColumns) + threadIdx.x;
  const int64_t first = blockIdx.y * chunkRows;
  const int64_t last = first + chunkRows < rows ? first + chunkRows : rows;
  float2 sum{0.f, 0.f};
  if (c < channels) {
    const float origin = moments.origin(c);
    for (int64_t r = first + threadIdx.y; r < last; r += kRowThreads) {
      const float2 t = moments.terms(r * channels + c, origin);
      sum.x += t.x, sum.y += t.y;
    }
  }
  partial[threadIdx.y][threadIdx.x] = sum;
  __syncthreads();
  if (threadIdx.y != 0 || c >= channels) return;
  for (int t = 1; t < kRowThreads; ++t)
    sum.x += partial[t][threadIdx.x].x, sum.y += partial[t][threadIdx.x].y;
  scratch[blockIdx.y * channels + c] = sum.x;
  scratch[(gridDim.y + blockIdx.y) * channels + c] = sum.y;
}

// The chunks' two sums of channel c, by one warp: lane l adds chunks l, l + 32, ... in order,
// then the lanes' sums meet in a fixed tree, so the bits are the same every run. A thread a
// channel took 256 dependent loads for each of ResNet-50's 53 batch norms, forward and back.
__device__ double2 channelSums(const float* scratch, int64_t chunks, int64_t channels, int64_t c) {
  double2 s{0, 0};
  for (int64_t k = threadIdx.x % 32; k < chunks; k += 32)
    s.x += scratch[k * channels + c], s.y += scratch[(chunks + k) * channels + c];
  for (int lanes = 16; lanes > 0; lanes /= 2) {
    s.x += __shfl_xor_sync(0xffffffffu, s.x, lanes);
    s.y += __shfl_xor_sync(0xffffffffu, s.y, lanes);
  }
  return s;
}

// The channel of a warp in the finishing kernels, launched with channelWarps(channels) blocks.
__device__ int64_t warpChannel() { return (blockIdx.x * int64_t(blockDim.x) + threadIdx.x) / 32; }

unsigned channelWarps(int64_t channels) {
  return static_cast<unsigned>((channels * 32 + kThreads - 1) / kThreads);
}

// A warp a channel: the batch's statistics, the running ones, and the forward's slope.
template <typename T>
__global__ void finishStatistics(const T* x, const float* weight, float* runningMean,
                                 float* runningVar, float* saved, float* scratch, int64_t rows,
                                 int64_t channels, int64_t chunks, float eps, float momentum) {
  const int64_t c = warpChannel();
  if (c >= channels) return;  // whole warps: the shuffles need every lane
  const double2 s = channelSums(scratch, chunks, channels, c);
  if (threadIdx.x % 32 != 0) return;
  const double n = static_cast<double>(rows), shifted = s.x / n;
  const double variance = fmax(s.y / n - shifted * shifted, 0.0);
  const float mean = static_cast<float>(toFloat(x[c]) + shifted);
  const float inverse = static_cast<float>(1.0 / sqrt(variance + eps));
  saved[c] = mean;
  saved[channels + c] = inverse;
  const double unbiased = rows > 1 ? variance * n / (n - 1) : variance;
  runningMean[c] = (1.f - momentum) * runningMean[c] + momentum * mean;
  runningVar[c] = (1.f - momentum) * runningVar[c] + momentum * static_cast<float>(unbiased);
  scratch[2 * chunks * channels + c] = inverse * weight[c];  // the slope normalize() applies
}

// A warp a channel: the weight and bias gradients and backward's three coefficients,
// dx = k * dy + u * (x - mean) + v.
__global__ void finishGradients(const float* weight, const float* saved, float* weightGrad,
                                float* biasGrad, float* scratch, int64_t rows, int64_t channels,
                                int64_t chunks) {
  const int64_t c = warpChannel();
  if (c >= channels) return;
  const double2 s = channelSums(scratch, chunks, channels, c);
  if (threadIdx.x % 32 != 0) return;
  const double n = static_cast<double>(rows), inverse = saved[channels + c];
  const double dWeight = s.y * inverse, k = weight[c] * inverse;
  biasGrad[c] = static_cast<float>(s.x);
  weightGrad[c] = static_cast<float>(dWeight);
  float* coefficients = scratch + 2 * chunks * channels;
  coefficients[c] = static_cast<float>(k);
  coefficients[channels + c] = static_cast<float>(-k * inverse * dWeight / n);
  coefficients[2 * channels + c] = static_cast<float>(-k * s.x / n);
}

// y = (x - mean) * slope + bias over packs of N neighbouring channels of a row.
template <typename T, int N>
__global__ void normalize(const Pack<T, N>* x, Pack<T, N>* y, const float* mean, const float* slope,
                          const float* bias, int64_t packs, int64_t channels) {
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < packs;
       p += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = p * N % channels;
    const Pack<T, N> in = x[p];
    Pack<T, N> out;
#pragma unroll
    for (int j = 0; j < N; ++j)
      out.v[j] = fromFloat<T>((toFloat(in.v[j]) - mean[c + j]) * slope[c + j] + bias[c + j]);
    y[p] = out;
  }
}

template <typename T, int N>
__global__ void inputGradient(const Pack<T, N>* x, const Pack<T, N>* dy, Pack<T, N>* dx,
                              const float* mean, const float* coefficients, int64_t packs,
                              int64_t channels, bool accumulate) {
  const float *k = coefficients, *u = coefficients + channels, *v = coefficients + 2 * channels;
  for (int64_t p = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; p < packs;
       p += int64_t(gridDim.x) * blockDim.x) {
    const int64_t c = p * N % channels;
    const Pack<T, N> xs = x[p], gs = dy[p];
    Pack<T, N> out;
    if (accumulate) out = dx[p];
#pragma unroll
    for (int j = 0; j < N; ++j) {
      const float g =
          k[c + j] * toFloat(gs.v[j]) + u[c + j] * (toFloat(xs.v[j]) - mean[c + j]) + v[c + j];
      out.v[j] = fromFloat<T>(accumulate ? toFloat(out.v[j]) + g : g);
    }
    dx[p] = out;
  }
}

template <typename Moments>
void launchChunkSums(Moments moments, float* scratch, int64_t rows, int64_t channels,
                     cudaStream_t stream) {
  const dim3 grid(static_cast<unsigned>((channels + kColumns - 1) / kColumns),
                  static_cast<unsigned>(chunksFor(rows)));
  chunkSums<<<grid, dim3(kColumns, kRowThreads), 0, stream>>>(moments, scratch, rows, channels,
                                                              chunkRowsFor(rows));
  checkLaunch("chunkSums");
}

// Calls f with a pack width: 16 bytes when every row's channels split into whole packs and the
// buffers are aligned, else one element.
template <typename T, typename F, typename... Buffers>
void withPackWidth(int64_t n, int64_t channels, F&& f, const Buffers*... buffers) {
  constexpr int kWide = Pack<T>::kCount;
  if (channels % kWide == 0 && packedElements<kWide>(n, buffers...) == n)
    f(std::integral_constant<int, kWide>());
  else
    f(std::integral_constant<int, 1>());
}
}  // namespace

int64_t batchNormScratchElements(int64_t rows, int64_t channels) {
  return (2 * chunksFor(rows) + 3) * channels;
}

template <typename T>
void launchBatchNormForward(const T* x, T* y, const float* weight, const float* bias,
                            float* runningMean, float* runningVar, float* saved, float* scratch,
                            int64_t rows, int64_t channels, float eps, float momentum,
                            cudaStream_t stream) {
  launchChunkSums(ShiftedMoments<T>{x}, scratch, rows, channels, stream);
  const int64_t chunks = chunksFor(rows);
  finishStatistics<<<channelWarps(channels), kThreads, 0, stream>>>(
      x, weight, runningMean, runningVar, saved, scratch, rows, channels, chunks, eps, momentum);
  checkLaunch("finishStatistics");
  const int64_t n = rows * channels;
  withPackWidth<T>(
      n, channels,
      [&](auto width) {
        constexpr int N = decltype(width)::value;
        normalize<T, N><<<blocksFor(n / N), kThreads, 0, stream>>>(
            reinterpret_cast<const Pack<T, N>*>(x), reinterpret_cast<Pack<T, N>*>(y), saved,
            scratch + 2 * chunks * channels, bias, n / N, channels);
        checkLaunch("normalize");
      },
      x, y);
}

template <typename T>
void launchBatchNormBackward(const T* x, const T* dy, T* dx, const float* weight,
                             const float* saved, float* weightGrad, float* biasGrad, float* scratch,
                             int64_t rows, int64_t channels, bool accumulate, cudaStream_t stream) {
  launchChunkSums(GradientMoments<T>{x, dy, saved}, scratch, rows, channels, stream);
  const int64_t chunks = chunksFor(rows);
  finishGradients<<<channelWarps(channels), kThreads, 0, stream>>>(
      weight, saved, weightGrad, biasGrad, scratch, rows, channels, chunks);
  checkLaunch("finishGradients");
  const int64_t n = rows * channels;
  withPackWidth<T>(
      n, channels,
      [&](auto width) {
        constexpr int N = decltype(width)::value;
        inputGradient<T, N><<<blocksFor(n / N), kThreads, 0, stream>>>(
            reinterpret_cast<const Pack<T, N>*>(x), reinterpret_cast<const Pack<T, N>*>(dy),
            reinterpret_cast<Pack<T, N>*>(dx), saved, scratch + 2 * chunks * channels, n / N,
            channels, accumulate);
        checkLaunch("inputGradient");
      },
      x, dy, dx);
}

#define TWB_INSTANTIATE(T)                                                                       \
  template void launchBatchNormForward(const T*, T*, const float*, const float*, float*, float*, \
                                       float*, float*, int64_t, int64_t, float, float,           \
                                       cudaStream_t);                                            \
  template void launchBatchNormBackward(const T*, const T*, T*, const float*, const float*,      \
                                        float*, float*, float*, int64_t, int64_t, bool,          \
                                        cudaStream_t);
TWB_INSTANTIATE(float)
TWB_INSTANTIATE(__nv_bfloat16)
#undef TWB_INSTANTIATE

}  // namespace twb::gpu
