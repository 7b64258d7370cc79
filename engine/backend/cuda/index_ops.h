#pragma once

#include <math.h>

#include <cstdint>

#include "backend/cuda/bf16_convert.h"

// Ops that move or combine elements by index, as the CUDA backend computes them: one item per
// element or output (item_kernels.h runs one GPU thread an item), in f32 whatever the buffers'
// type; every sum in a fixed order, so a step gives the same bits every run.
namespace twb::gpu {

constexpr int kMaxRank = 6;

// to[o] (+)= from[source(o)]: o walks `to` row-major over dims, and dimension k of `to` steps
// `from` by fromStrides[k] (a transpose, its gradient the inverse permutation's).
template <typename From, typename To>
struct Permute {
  const From* from;
  To* to;
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t fromStrides[kMaxRank] = {};
  bool accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t o) const {
    int64_t source = 0, rest = o;
    for (int k = rank - 1; k >= 0; --k) {
      source += rest % dims[k] * fromStrides[k];
      rest /= dims[k];
    }
    const float v = toFloat(from[source]);
    to[o] = fromFloat<To>(accumulate ? toFloat(to[o]) + v : v);
  }
};

// How a large tensor (row-major over dims) maps onto a small one that repeats along some of its
// dimensions: element i of the large one is element small(i) of the small one, smallStrides[k]
// being 0 where the small tensor has a dimension of 1 (a learned tensor broadcast over the batch
// and tokens; a mean's reduced axes). `repeats` large elements share each small one.
struct BroadcastMap {
  int rank = 0;
  int64_t dims[kMaxRank] = {};
  int64_t smallStrides[kMaxRank] = {};
  int64_t repeats = 1;

  TWB_HOST_DEVICE int64_t small(int64_t i) const {
    int64_t s = 0;
    for (int k = rank - 1; k >= 0; --k) {
      s += i % dims[k] * smallStrides[k];
      i /= dims[k];
    }
    return s;
  }
  // The j-th (j < repeats) large element that maps to small element s, in row-major order.
  TWB_HOST_DEVICE int64_t large(int64_t s, int64_t j) const {
    int64_t i = 0, stride = 1;
    for (int k = rank - 1; k >= 0; --k) {
      int64_t index;
      if (smallStrides[k] == 0) {
        index = j % dims[k];
        j /= dims[k];
      } else {
        index = s / smallStrides[k] % dims[k];
      }
      i += index * stride;
      stride *= dims[k];
    }
    return i;
  }
};

// Bias (y = x + p) and LayerScale (y = x * p) with p, f32, broadcast over x.
template <typename In, typename Out>
struct LearnedTensorForward {
  const In* x;
  Out* y;
  const float* p;
  BroadcastMap map;
  bool multiplies = false;

  TWB_HOST_DEVICE void operator()(int64_t i) const {
    const float v = toFloat(x[i]), q = p[map.small(i)];
    y[i] = fromFloat<Out>(multiplies ? v * q : v + q);
  }
};

// dx (+)= dy (Bias) or dy * p (LayerScale).
template <typename In, typename Out>
struct LearnedTensorInputGradient {
  const Out* dy;
  In* dx;
  const float* p;
  BroadcastMap map;
  bool multiplies = false, accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t i) const {
    const float g = multiplies ? toFloat(dy[i]) * p[map.small(i)] : toFloat(dy[i]);
    dx[i] = fromFloat<In>(accumulate ? toFloat(dx[i]) + g : g);
  }
};

// dp[s] = the sum of dy (Bias) or dy * x (LayerScale) over the elements that s repeats to.
template <typename In, typename Out>
struct LearnedTensorGradient {
  const In* x;
  const Out* dy;
  float* dp;
  BroadcastMap map;
  bool multiplies = false;

  TWB_HOST_DEVICE void operator()(int64_t s) const {
    float sum = 0.f;
    for (int64_t j = 0; j < map.repeats; ++j) {
      const int64_t i = map.large(s, j);
      sum += multiplies ? toFloat(dy[i]) * toFloat(x[i]) : toFloat(dy[i]);
    }
    dp[s] = sum;
  }
};

// ReduceSum and ReduceMean: y[s] = the sum or mean of x over the elements s stands for (y is
// the small tensor).
template <typename In, typename Out>
struct ReduceOver {
  const In* x;
  Out* y;
  BroadcastMap map;
  bool mean = false;

  TWB_HOST_DEVICE void operator()(int64_t s) const {
    float sum = 0.f;
    for (int64_t j = 0; j < map.repeats; ++j) sum += toFloat(x[map.large(s, j)]);
    y[s] = fromFloat<Out>(mean ? sum / map.repeats : sum);
  }
};

// dx[i] (+)= dy[small(i)], divided by the repeats for a mean.
template <typename In, typename Out>
struct ReduceOverBackward {
  const Out* dy;
  In* dx;
  BroadcastMap map;
  bool mean = false, accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t i) const {
    const float g = toFloat(dy[map.small(i)]) / (mean ? map.repeats : 1);
    dx[i] = fromFloat<In>(accumulate ? toFloat(dx[i]) + g : g);
  }
};

// Mul, Sub and Div of two inputs broadcast to the output (a and b map onto it as small tensors
// of the same rank).
enum class BinaryKind { mul, sub, div };

template <typename A, typename B, typename Out>
struct BinaryForward {
  const A* a;
  const B* b;
  Out* y;
  BroadcastMap aMap, bMap;
  BinaryKind kind = BinaryKind::mul;

  TWB_HOST_DEVICE void operator()(int64_t i) const {
    const float u = toFloat(a[aMap.small(i)]), v = toFloat(b[bMap.small(i)]);
    const float r = kind == BinaryKind::mul ? u * v : kind == BinaryKind::sub ? u - v : u / v;
    y[i] = fromFloat<Out>(r);
  }
};

// The gradient of input a (`ofB` false) or b, one item per element of that input: the sum over
// the output elements it was broadcast to of dy * d(a op b)/d(input).
template <typename A, typename B, typename Out>
struct BinaryGradient {
  const A* a;
  const B* b;
  const Out* dy;
  A* da;
  B* db;
  BroadcastMap aMap, bMap;  // each onto the output (y's element i: aMap.small(i), bMap.small(i))
  BinaryKind kind = BinaryKind::mul;
  bool ofB = false, accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t s) const {
    const BroadcastMap& mine = ofB ? bMap : aMap;
    float sum = 0.f;
    for (int64_t j = 0; j < mine.repeats; ++j) {
      const int64_t i = mine.large(s, j);
      const float g = toFloat(dy[i]), u = toFloat(a[aMap.small(i)]), v = toFloat(b[bMap.small(i)]);
      if (kind == BinaryKind::mul)
        sum += g * (ofB ? u : v);
      else if (kind == BinaryKind::sub)
        sum += ofB ? -g : g;
      else
        sum += ofB ? -g * u / (v * v) : g / v;
    }
    if (ofB)
      db[s] = fromFloat<B>(accumulate ? toFloat(db[s]) + sum : sum);
    else
      da[s] = fromFloat<A>(accumulate ? toFloat(da[s]) + sum : sum);
  }
};

// A block of `outer` runs of `inner` elements that sits in a larger tensor at `offset` with runs
// `stride` apart: a Concat input in its output, a Slice in its input, a sequence behind
// prepended tokens. Element i of the block is element at(i) of the larger tensor.
struct Block {
  int64_t inner = 1, stride = 1, offset = 0;
  TWB_HOST_DEVICE int64_t at(int64_t i) const { return i / inner * stride + offset + i % inner; }
  // Where large element l lies in the block, or -1 outside it (large holds `outer` runs).
  TWB_HOST_DEVICE int64_t inBlock(int64_t l) const {
    const int64_t r = l % stride - offset;
    return r >= 0 && r < inner ? l / stride * inner + r : -1;
  }
};

// block (+)= large at the block's place (Slice forward, a Concat input's gradient), or, with
// `into`, large at the block's place (+)= block (Concat forward: each input writes its block).
template <typename From, typename To>
struct BlockCopy {
  const From* from;
  To* to;
  Block block;
  bool into = false, accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t t = into ? block.at(i) : i;
    const float v = toFloat(from[into ? i : block.at(i)]);
    to[t] = fromFloat<To>(accumulate ? toFloat(to[t]) + v : v);
  }
};

// A block written into its whole, one item per element of the whole: the block's value where it
// lies, zero around it. A Slice's input gradient (dy where the slice took it) and a Pad's output.
template <typename Whole, typename Part>
struct AroundBlock {
  const Part* part;
  Whole* whole;
  Block block;
  bool accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t l) const {
    const int64_t k = block.inBlock(l);
    const float v = k < 0 ? 0.f : toFloat(part[k]);
    whole[l] = fromFloat<Whole>(accumulate ? toFloat(whole[l]) + v : v);
  }
};

// PrependTokens: each sample's `prefix` leading elements are the learned tokens (f32, shared by
// every sample), the rest the input's: y[n, r] = r < prefix ? tokens[r] : x[n, r - prefix], rows
// of `row` output elements.
template <typename In, typename Out>
struct PrependTokensForward {
  const In* x;
  const float* tokens;
  Out* y;
  int64_t row = 0, prefix = 0;

  TWB_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t n = i / row, r = i % row;
    const float v = r < prefix ? tokens[r] : toFloat(x[n * (row - prefix) + r - prefix]);
    y[i] = fromFloat<Out>(v);
  }
};

// The tokens' gradient, one item per token element: the sum of dy over the samples.
template <typename Out>
struct PrependTokensGradient {
  const Out* dy;
  float* dtokens;
  int64_t row = 0, samples = 0;

  TWB_HOST_DEVICE void operator()(int64_t r) const {
    float sum = 0.f;
    for (int64_t n = 0; n < samples; ++n) sum += toFloat(dy[n * row + r]);
    dtokens[r] = sum;
  }
};

// Embedding: row ids[t] of an f32 table of `rows` rows of `width`, one item per output element.
// An id that is not an integer in [0, rows) gives a zero row and lowers *firstBad to its
// position t (the node reports the first after the step, as the CPU backend stops at it).
TWB_HOST_DEVICE inline bool validId(float id, int64_t rows) {
  return id >= 0.f && id < static_cast<float>(rows) && id == floorf(id);
}

TWB_HOST_DEVICE inline void lowerTo(unsigned long long* target, unsigned long long value) {
#ifdef __CUDA_ARCH__
  atomicMin(target, value);
#else
  if (value < *target) *target = value;
#endif
}

struct ResetFirstBad {
  unsigned long long* firstBad;
  TWB_HOST_DEVICE void operator()(int64_t) const { *firstBad = ~0ull; }
};

template <typename Ids>
struct EmbeddingForward {
  const Ids* ids;
  const float* table;
  float* y;
  unsigned long long* firstBad;
  int64_t rows = 0, width = 0;

  TWB_HOST_DEVICE void operator()(int64_t i) const {
    const int64_t t = i / width, k = i % width;
    const float id = toFloat(ids[t]);
    const bool valid = validId(id, rows);
    y[i] = valid ? table[static_cast<int64_t>(id) * width + k] : 0.f;
    if (!valid && k == 0) lowerTo(firstBad, static_cast<unsigned long long>(t));
  }
};

// The table's gradient, one item per column k: zeroed, then each position's dy row added to its
// id's row in order of position (the same sums every run).
template <typename Ids>
struct EmbeddingGradient {
  const Ids* ids;
  const float* dy;
  float* dtable;
  int64_t rows = 0, width = 0, count = 0;

  TWB_HOST_DEVICE void operator()(int64_t k) const {
    for (int64_t r = 0; r < rows; ++r) dtable[r * width + k] = 0.f;
    for (int64_t t = 0; t < count; ++t) {
      const float id = toFloat(ids[t]);
      if (validId(id, rows)) dtable[static_cast<int64_t>(id) * width + k] += dy[t * width + k];
    }
  }
};

// Where element (b, i, j) of a batch of matrices lies: b * batch + i * row + j * col, so that a
// transposed operand is the same buffer read with its strides swapped.
struct MatrixStrides {
  int64_t batch = 0, row = 0, col = 0;
  TWB_HOST_DEVICE int64_t at(int64_t b, int64_t i, int64_t j) const {
    return b * batch + i * row + j * col;
  }
};

// c[b, i, j] (+)= sum over k < depth of a[b, i, k] * b[b, k, j], one item per element of c
// (rows x cols a matrix), summed in f32 in order of k. MatMul's forward and both gradients.
template <typename A, typename B, typename C>
struct BatchedProduct {
  const A* a;
  const B* b;
  C* c;
  MatrixStrides as, bs;
  int64_t rows = 0, cols = 0, depth = 0;
  bool accumulate = false;

  TWB_HOST_DEVICE void operator()(int64_t item) const {
    const int64_t j = item % cols, i = item / cols % rows, batch = item / (rows * cols);
    float sum = 0.f;
    for (int64_t k = 0; k < depth; ++k)
      sum += toFloat(a[as.at(batch, i, k)]) * toFloat(b[bs.at(batch, k, j)]);
    c[item] = fromFloat<C>(accumulate ? toFloat(c[item]) + sum : sum);
  }
};

}  // namespace twb::gpu
