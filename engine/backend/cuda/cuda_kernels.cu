#include "backend/cuda/cnn_kernels.h"
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/kernel_support.cuh"

namespace twb::gpu {

namespace {
template <typename T>
__global__ void addBias(T* out, const float* bias, int64_t rows, int64_t cols) {
  const int64_t n = rows * cols;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x)
    out[i] = fromFloat<T>(toFloat(out[i]) + bias[i % cols]);
}

constexpr int kChunkRows = 256, kTileColumns = 32, kRowThreads = 8;

// Block (kTileColumns, kRowThreads) sums kChunkRows rows of kTileColumns columns: consecutive
// threads read consecutive columns of a row, and the row threads' sums meet in a fixed order.
template <typename T>
__global__ void biasPartialSums(const T* dy, float* partial, int64_t rows, int64_t cols) {
  __shared__ float sums[kRowThreads][kTileColumns];
  const int64_t c = blockIdx.x * int64_t(kTileColumns) + threadIdx.x;
  const int64_t first = blockIdx.y * int64_t(kChunkRows);
  const int64_t last = first + kChunkRows < rows ? first + kChunkRows : rows;
  float sum = 0;
  if (c < cols)
    for (int64_t r = first + threadIdx.y; r < last; r += kRowThreads)
      sum += toFloat(dy[r * cols + c]);
  sums[threadIdx.y][threadIdx.x] = sum;
  __syncthreads();
  if (threadIdx.y != 0 || c >= cols) return;
  for (int t = 1; t < kRowThreads; ++t) sum += sums[t][threadIdx.x];
  partial[blockIdx.y * cols + c] = sum;
}

__global__ void sumChunks(const float* partial, float* db, int64_t chunks, int64_t cols) {
  const int64_t c = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (c >= cols) return;
  float sum = 0;
  for (int64_t k = 0; k < chunks; ++k) sum += partial[k * cols + c];
  db[c] = sum;
}

template <typename T>
__global__ void fillUniform(T* x, int64_t n, uint32_t seed) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    uint32_t h = static_cast<uint32_t>(i) * 2654435761u ^ seed;
    h ^= h >> 16, h *= 0x7feb352du, h ^= h >> 15, h *= 0x846ca68bu, h ^= h >> 16;
    x[i] = fromFloat<T>(h * (2.f / 4294967296.f) - 1.f);
  }
}

// A row's largest logit and its sum of exp(x - top): softmax without overflow.
struct RowSoftmax {
  float top = 0, sum = 0;
};

__device__ RowSoftmax softmaxOf(const float* row, int64_t classes) {
  RowSoftmax s{row[0], 0.f};
  for (int64_t c = 1; c < classes; ++c) s.top = fmaxf(s.top, row[c]);
  for (int64_t c = 0; c < classes; ++c) s.sum += expf(row[c] - s.top);
  return s;
}

// One thread per row: the class counts of classification are small, and the order of the sums
// is then fixed.
__global__ void crossEntropyRows(const float* x, const int32_t* labels, float* rowLoss,
                                 int64_t rows, int64_t classes) {
  const int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (r >= rows) return;
  const float* row = x + r * classes;
  const RowSoftmax s = softmaxOf(row, classes);
  rowLoss[r] = logf(s.sum) + s.top - row[labels[r]];
}

// One block sums the rows in a fixed tree.
__global__ void meanOfRows(const float* rowLoss, float* loss, int64_t rows) {
  __shared__ float partial[kThreads];
  float sum = 0;
  for (int64_t r = threadIdx.x; r < rows; r += kThreads) sum += rowLoss[r];
  sum = blockSum(sum, partial);
  if (threadIdx.x == 0) *loss = sum / static_cast<float>(rows);
}

__global__ void crossEntropyBackward(const float* x, const int32_t* labels, const float* dloss,
                                     float* dx, int64_t rows, int64_t classes, bool accumulate) {
  const int64_t r = blockIdx.x * int64_t(blockDim.x) + threadIdx.x;
  if (r >= rows) return;
  const float* row = x + r * classes;
  const RowSoftmax s = softmaxOf(row, classes);
  const float g = *dloss / static_cast<float>(rows);
  for (int64_t c = 0; c < classes; ++c) {
    const float d = g * (expf(row[c] - s.top) / s.sum - (c == labels[r] ? 1.f : 0.f));
    dx[r * classes + c] = accumulate ? dx[r * classes + c] + d : d;
  }
}

// One parameter's update, the same arithmetic whether it comes alone or in a pack.
__device__ inline void sgdUpdate(float& w, float g, float& buf, bool momentum, float lr,
                                 const UpdateConstants& c) {
  const float d = g + c.weightDecay * w;
  float step = d;
  if (momentum) {
    buf = c.momentum * buf + d;
    step = c.nesterov ? d + c.momentum * buf : buf;
  }
  w -= lr * step;
}

__device__ inline void adamUpdate(float& w, float g, float& m, float& v, float lr, float stepSize,
                                  float c2, const UpdateConstants& c, bool decoupled) {
  float d = g;
  if (decoupled)
    w *= 1.f - lr * c.weightDecay;
  else
    d += c.weightDecay * w;
  m = c.beta1 * m + (1.f - c.beta1) * d;
  v = c.beta2 * v + (1.f - c.beta2) * d * d;
  w -= stepSize * m / (sqrtf(v) / c2 + c.eps);
}

using bf16 = __nv_bfloat16;
using Floats = Pack<float, 4>;
using Bf16s = Pack<bf16, 4>;

__global__ void sgd(float* w, const float* g, float* buf, bf16* shadow, int64_t n,
                    const StepScalars* s, UpdateConstants c) {
  const float lr = s->lr;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    float momentum = buf ? buf[i] : 0.f;
    sgdUpdate(w[i], g[i], momentum, buf != nullptr, lr, c);
    if (buf) buf[i] = momentum;
    if (shadow) shadow[i] = __float2bfloat16(w[i]);
  }
}

__global__ void sgdPacked(Floats* w, const Floats* g, Floats* buf, Bf16s* shadow, int64_t packs,
                          const StepScalars* s, UpdateConstants c) {
  const float lr = s->lr;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < packs;
       i += int64_t(gridDim.x) * blockDim.x) {
    Floats weights = w[i], momentum = buf ? buf[i] : Floats{};
    const Floats grads = g[i];
    Bf16s copy;
    for (int k = 0; k < 4; ++k) {
      sgdUpdate(weights.v[k], grads.v[k], momentum.v[k], buf != nullptr, lr, c);
      copy.v[k] = __float2bfloat16(weights.v[k]);
    }
    w[i] = weights;
    if (buf) buf[i] = momentum;
    if (shadow) shadow[i] = copy;
  }
}

__global__ void adam(float* w, const float* g, float* m, float* v, bf16* shadow, int64_t n,
                     const StepScalars* s, UpdateConstants c, bool decoupled) {
  const float lr = s->lr, stepSize = s->stepSize, c2 = s->correction2Sqrt;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < n;
       i += int64_t(gridDim.x) * blockDim.x) {
    adamUpdate(w[i], g[i], m[i], v[i], lr, stepSize, c2, c, decoupled);
    if (shadow) shadow[i] = __float2bfloat16(w[i]);
  }
}

__global__ void adamPacked(Floats* w, const Floats* g, Floats* m, Floats* v, Bf16s* shadow,
                           int64_t packs, const StepScalars* s, UpdateConstants c, bool decoupled) {
  const float lr = s->lr, stepSize = s->stepSize, c2 = s->correction2Sqrt;
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < packs;
       i += int64_t(gridDim.x) * blockDim.x) {
    Floats weights = w[i], first = m[i], second = v[i];
    const Floats grads = g[i];
    Bf16s copy;
    for (int k = 0; k < 4; ++k) {
      adamUpdate(weights.v[k], grads.v[k], first.v[k], second.v[k], lr, stepSize, c2, c, decoupled);
      copy.v[k] = __float2bfloat16(weights.v[k]);
    }
    w[i] = weights, m[i] = first, v[i] = second;
    if (shadow) shadow[i] = copy;
  }
}
}  // namespace

template <typename T>
void launchAddBias(T* out, const float* bias, int64_t rows, int64_t cols, cudaStream_t stream) {
  addBias<<<blocksFor(rows * cols), kThreads, 0, stream>>>(out, bias, rows, cols);
  checkLaunch("addBias");
}

int64_t biasPartialElements(int64_t rows, int64_t cols) {
  return (rows + kChunkRows - 1) / kChunkRows * cols;
}

template <typename T>
void launchBiasGradient(const T* dy, float* partial, float* db, int64_t rows, int64_t cols,
                        cudaStream_t stream) {
  const int64_t chunks = (rows + kChunkRows - 1) / kChunkRows;
  const dim3 grid(static_cast<unsigned>((cols + kTileColumns - 1) / kTileColumns),
                  static_cast<unsigned>(chunks));
  biasPartialSums<<<grid, dim3(kTileColumns, kRowThreads), 0, stream>>>(dy, partial, rows, cols);
  checkLaunch("biasPartialSums");
  launchSumChunks(partial, db, chunks, cols, stream);
}

void launchSumChunks(const float* partial, float* db, int64_t chunks, int64_t cols,
                     cudaStream_t stream) {
  sumChunks<<<blocksFor(cols), kThreads, 0, stream>>>(partial, db, chunks, cols);
  checkLaunch("sumChunks");
}

void launchToBf16(const float* x, __nv_bfloat16* y, int64_t n, cudaStream_t stream) {
  launchAccumulate(x, y, n, false, stream);
}

template <typename T>
void launchFillUniform(T* x, int64_t n, uint32_t seed, cudaStream_t stream) {
  fillUniform<<<blocksFor(n), kThreads, 0, stream>>>(x, n, seed);
  checkLaunch("fillUniform");
}

void launchCrossEntropy(const float* logits, const int32_t* labels, float* rowLoss, float* loss,
                        int64_t rows, int64_t classes, cudaStream_t stream) {
  crossEntropyRows<<<blocksFor(rows), kThreads, 0, stream>>>(logits, labels, rowLoss, rows,
                                                             classes);
  checkLaunch("crossEntropyRows");
  meanOfRows<<<1, kThreads, 0, stream>>>(rowLoss, loss, rows);
  checkLaunch("meanOfRows");
}

void launchCrossEntropyBackward(const float* logits, const int32_t* labels, const float* dloss,
                                float* dx, int64_t rows, int64_t classes, bool accumulate,
                                cudaStream_t stream) {
  crossEntropyBackward<<<blocksFor(rows), kThreads, 0, stream>>>(logits, labels, dloss, dx, rows,
                                                                 classes, accumulate);
  checkLaunch("crossEntropyBackward");
}

// The update moves every parameter's weight, gradient and state (the wide MLP's 201 M: 4.4 GB a
// step), so it goes in packs of four where the buffers allow. Null buffers stay null packs.
template <typename P, typename T>
P* packsOf(T* buffer) {
  return reinterpret_cast<P*>(buffer);
}

void launchSgd(float* w, const float* g, float* momentumBuffer, __nv_bfloat16* shadow, int64_t n,
               const StepScalars* scalars, UpdateConstants c, cudaStream_t stream) {
  const int64_t packed = packedElements<4>(n, w, g, momentumBuffer, shadow);
  if (packed > 0) {
    sgdPacked<<<blocksFor(packed / 4), kThreads, 0, stream>>>(
        packsOf<Floats>(w), packsOf<const Floats>(g), packsOf<Floats>(momentumBuffer),
        packsOf<Bf16s>(shadow), packed / 4, scalars, c);
    checkLaunch("sgdPacked");
  }
  if (packed == n) return;
  sgd<<<blocksFor(n - packed), kThreads, 0, stream>>>(
      w + packed, g + packed, momentumBuffer ? momentumBuffer + packed : nullptr,
      shadow ? shadow + packed : nullptr, n - packed, scalars, c);
  checkLaunch("sgd");
}

void launchAdam(float* w, const float* g, float* m, float* v, __nv_bfloat16* shadow, int64_t n,
                const StepScalars* scalars, UpdateConstants c, bool decoupled,
                cudaStream_t stream) {
  const int64_t packed = packedElements<4>(n, w, g, m, v, shadow);
  if (packed > 0) {
    adamPacked<<<blocksFor(packed / 4), kThreads, 0, stream>>>(
        packsOf<Floats>(w), packsOf<const Floats>(g), packsOf<Floats>(m), packsOf<Floats>(v),
        packsOf<Bf16s>(shadow), packed / 4, scalars, c, decoupled);
    checkLaunch("adamPacked");
  }
  if (packed == n) return;
  adam<<<blocksFor(n - packed), kThreads, 0, stream>>>(
      w + packed, g + packed, m + packed, v + packed, shadow ? shadow + packed : nullptr,
      n - packed, scalars, c, decoupled);
  checkLaunch("adam");
}

template void launchFillUniform<float>(float*, int64_t, uint32_t, cudaStream_t);
template void launchFillUniform<__nv_bfloat16>(__nv_bfloat16*, int64_t, uint32_t, cudaStream_t);
template void launchAddBias<float>(float*, const float*, int64_t, int64_t, cudaStream_t);
template void launchAddBias<__nv_bfloat16>(__nv_bfloat16*, const float*, int64_t, int64_t,
                                           cudaStream_t);
template void launchBiasGradient<float>(const float*, float*, float*, int64_t, int64_t,
                                        cudaStream_t);
template void launchBiasGradient<__nv_bfloat16>(const __nv_bfloat16*, float*, float*, int64_t,
                                                int64_t, cudaStream_t);

}  // namespace twb::gpu
