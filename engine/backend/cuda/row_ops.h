#pragma once

#include <math.h>

#include <cstdint>

#include "backend/cuda/bf16_convert.h"

// Softmax and layer norm as the CUDA backend computes them: one item per row of the normalised
// axis (item_kernels.h runs one GPU thread an item), in f32 whatever the buffers' type, every sum
// in a fixed order. Rows are short in the models these ops serve (a ViT's tokens or features),
// and a thread's loop over its row keeps every result the same bits from run to run.
namespace twb::gpu {

// The elements of row r along an axis of length n with `inner` elements after it (1: the last
// axis): at first(r) + k * inner.
struct AxisRows {
  int64_t n = 0, inner = 1;
  TWB_HOST_DEVICE int64_t first(int64_t r) const { return r / inner * n * inner + r % inner; }
};

// Softmax, y = exp(x - max) / sum(exp(x - max)) along the axis, or with `log` LogSoftmax,
// y = x - max - log(sum(exp(x - max))).
template <typename In, typename Out>
struct SoftmaxRows {
  const In* x;
  Out* y;
  AxisRows rows;
  bool log = false;

  TWB_HOST_DEVICE void operator()(int64_t r) const {
    const int64_t first = rows.first(r), step = rows.inner;
    float peak = -INFINITY;
    for (int64_t k = 0; k < rows.n; ++k) peak = fmaxf(peak, toFloat(x[first + k * step]));
    float sum = 0.f;
    for (int64_t k = 0; k < rows.n; ++k) sum += expf(toFloat(x[first + k * step]) - peak);
    const float logSum = logf(sum), scale = 1.f / sum;
    for (int64_t k = 0; k < rows.n; ++k) {
      const float shifted = toFloat(x[first + k * step]) - peak;
      y[first + k * step] = fromFloat<Out>(log ? shifted - logSum : expf(shifted) * scale);
    }
  }
};

// From the output y: dx (+)= y * (dy - sum(dy * y)), or for LogSoftmax
// dx (+)= dy - exp(y) * sum(dy), along the axis.
template <typename In, typename Out>
struct SoftmaxRowsBackward {
  const Out* y;
  const Out* dy;
  In* dx;
  AxisRows rows;
  bool log = false, accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t r) const {
    const int64_t first = rows.first(r), step = rows.inner;
    float sum = 0.f;
    for (int64_t k = 0; k < rows.n; ++k) {
      const int64_t i = first + k * step;
      sum += log ? toFloat(dy[i]) : toFloat(dy[i]) * toFloat(y[i]);
    }
    for (int64_t k = 0; k < rows.n; ++k) {
      const int64_t i = first + k * step;
      const float out = toFloat(y[i]), grad = toFloat(dy[i]);
      const float g = log ? grad - expf(out) * sum : out * (grad - sum);
      dx[i] = fromFloat<In>(accumulate ? toFloat(dx[i]) + g : g);
    }
  }
};

// Layer norm over the last dimension (d features a row): y = (x - mean) * rstd * weight + bias,
// rstd = 1 / sqrt(var + eps) with the biased variance; each row's mean and rstd are saved at
// saved[2r] and saved[2r + 1] for backward. Without parameters (affine false) weight and bias
// are null: 1 and 0.
template <typename T>
struct LayerNormRows {
  const T* x;
  T* y;
  const float* weight;
  const float* bias;
  float* saved;
  int64_t d = 0;
  float eps = 1e-5f;

  TWB_HOST_DEVICE void operator()(int64_t r) const {
    const T* row = x + r * d;
    float sum = 0.f;
    for (int64_t k = 0; k < d; ++k) sum += toFloat(row[k]);
    const float mean = sum / d;
    float squares = 0.f;
    for (int64_t k = 0; k < d; ++k) {
      const float centred = toFloat(row[k]) - mean;
      squares += centred * centred;
    }
    const float rstd = 1.f / sqrtf(squares / d + eps);
    for (int64_t k = 0; k < d; ++k) {
      const float normalised = (toFloat(row[k]) - mean) * rstd;
      y[r * d + k] = fromFloat<T>(weight ? normalised * weight[k] + bias[k] : normalised);
    }
    saved[2 * r] = mean;
    saved[2 * r + 1] = rstd;
  }
};

// dx (+)= rstd * (g - mean(g) - x_hat * mean(g * x_hat)), g = dy * weight (dy where weight is
// null), per row.
template <typename T>
struct LayerNormRowsBackward {
  const T* x;
  const T* dy;
  T* dx;
  const float* weight;
  const float* saved;
  int64_t d = 0;
  bool accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t r) const {
    const float mean = saved[2 * r], rstd = saved[2 * r + 1];
    float sumG = 0.f, sumGX = 0.f;
    for (int64_t k = 0; k < d; ++k) {
      const int64_t i = r * d + k;
      const float g = weight ? toFloat(dy[i]) * weight[k] : toFloat(dy[i]);
      sumG += g;
      sumGX += g * (toFloat(x[i]) - mean) * rstd;
    }
    const float meanG = sumG / d, meanGX = sumGX / d;
    for (int64_t k = 0; k < d; ++k) {
      const int64_t i = r * d + k;
      const float xHat = (toFloat(x[i]) - mean) * rstd;
      const float scaled = weight ? toFloat(dy[i]) * weight[k] : toFloat(dy[i]);
      const float g = rstd * (scaled - meanG - xHat * meanGX);
      dx[i] = fromFloat<T>(accumulate ? toFloat(dx[i]) + g : g);
    }
  }
};

// The weight's and bias' gradients, one item per feature c over the `rows` rows:
// dweight[c] = sum dy * x_hat, dbias[c] = sum dy (written, not added).
template <typename T>
struct LayerNormParamGradients {
  const T* x;
  const T* dy;
  const float* saved;
  float* dweight;
  float* dbias;
  int64_t rows = 0, d = 0;

  TWB_HOST_DEVICE void operator()(int64_t c) const {
    float dw = 0.f, db = 0.f;
    for (int64_t r = 0; r < rows; ++r) {
      const float g = toFloat(dy[r * d + c]);
      dw += g * (toFloat(x[r * d + c]) - saved[2 * r]) * saved[2 * r + 1];
      db += g;
    }
    dweight[c] = dw;
    dbias[c] = db;
  }
};

// MSE, in two passes that keep the sum's order fixed: each row's sum of squared differences
// (one item a row of `cols`), then their mean (one item) into *loss; in f32 whatever the
// prediction's and target's types.
template <typename P, typename T>
struct SquaredErrorRows {
  const P* prediction;
  const T* target;
  float* rowSums;
  int64_t cols = 0;

  TWB_HOST_DEVICE void operator()(int64_t r) const {
    float sum = 0.f;
    for (int64_t k = 0; k < cols; ++k) {
      const float d = toFloat(prediction[r * cols + k]) - toFloat(target[r * cols + k]);
      sum += d * d;
    }
    rowSums[r] = sum;
  }
};

struct MeanOfRows {
  const float* rowSums;
  float* loss;
  int64_t rows = 0, count = 0;  // count: every element of the prediction

  TWB_HOST_DEVICE void operator()(int64_t) const {
    float sum = 0.f;
    for (int64_t r = 0; r < rows; ++r) sum += rowSums[r];
    *loss = sum / count;
  }
};

// dprediction (+)= dloss * 2 (prediction - target) / count.
template <typename P, typename T>
struct SquaredErrorGradient {
  const P* prediction;
  const T* target;
  const float* dloss;
  P* dx;
  int64_t count = 0;
  bool accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t i) const {
    const float g = *dloss * 2.f * (toFloat(prediction[i]) - toFloat(target[i])) / count;
    dx[i] = fromFloat<P>(accumulate ? toFloat(dx[i]) + g : g);
  }
};

}  // namespace twb::gpu
