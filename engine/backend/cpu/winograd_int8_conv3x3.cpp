#include "backend/cpu/winograd_int8_conv3x3.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>

#include "backend/cpu/int8_without_vnni.h"

namespace twb {

namespace {
constexpr int64_t kChannels = 16;  // channels the transforms take at a time, as s16 lanes
constexpr int64_t kPanel = 16;     // output channels a product's register tile holds
constexpr int kTileRows = 6;       // tiles a product's register tile holds
// Most tiles a thread transforms and multiplies at a time: their transformed input (points x in
// channels x 2 bytes each) stays in its own caches while every panel of the kernel streams by.
constexpr int64_t kGroupTiles = 18;

#define TWB_AVX2 __attribute__((target("avx2")))

using Words = int16_t __attribute__((vector_size(32)));  // 16 channels' s16 values
using Quad = double __attribute__((vector_size(32)));    // 4 channels' sums

template <bool kSigned>
TWB_AVX2 inline Words widen(const uint8_t* pixel) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pixel));
  return reinterpret_cast<Words>(kSigned ? _mm256_cvtepi8_epi16(bytes)
                                         : _mm256_cvtepu8_epi16(bytes));
}

TWB_AVX2 inline void store(const Words& words, int16_t* at) {
  _mm256_store_si256(reinterpret_cast<__m256i*>(at), reinterpret_cast<__m256i>(words));
}

// By intrinsics: copies through memory made the loads wait for two 16-byte stores each.
TWB_AVX2 inline Quad loadQuad(const double* at) {
  return reinterpret_cast<Quad>(_mm256_load_pd(at));
}

TWB_AVX2 inline void store(const Quad& quad, double* at) {
  _mm256_store_pd(at, reinterpret_cast<__m256d>(quad));
}

// Winograd's F(4x4, 3x3) for stride 1, on 6x6 tiles of the input.
struct FourByFour {
  static constexpr int kInput = 6, kOutput = 4, kPoints = 36, kStride = 1;
  static constexpr double kMultiple = 576;  // the output transform gives the sums times this
  // Pairs of products summed in s32 before the sum moves to double: a pair is at most 2 x 17 340
  // x 49 x 128 (the largest input and kernel transforms meet at the same points), so 32 pairs
  // stay under 2^31 (so would 37; 38 would not).
  static constexpr int64_t kPairsPerSum = 32;
  static constexpr const char* kName = "winograd F(4x4, 3x3) int8";

  // B^T d (Lavin and Gray's matrix) on 16 channels. An input of u8 pixels gives at most 10 x
  // 255 after the first step and 17 340 after the second; no intermediate here passes 25 500.
  TWB_AVX2 static void inputStep(const Words d[kInput], Words out[kInput]) {
    const Words d42 = d[4] - d[2], d31 = d[3] - d[1];
    out[0] = (d[0] - d[2]) * 4 + d42;
    out[1] = (d[3] + d[4]) - (d[1] + d[2]) * 4;
    out[2] = (d[4] - d[3]) + (d[1] - d[2]) * 4;
    out[3] = d42 + d31 * 2;
    out[4] = d42 - d31 * 2;
    out[5] = (d[5] - d[3]) - d31 * 4;
  }

  // D G g: G's rows scaled to integers by D = diag(4, 6, 6, 24, 24, 1), on a column or row of
  // three weights (at most 7 x 128 after the first step, 49 x 128 after the second).
  static void kernelStep(int32_t g0, int32_t g1, int32_t g2, int32_t out[kInput]) {
    out[0] = g0;
    out[1] = -(g0 + g1 + g2);
    out[2] = -(g0 - g1 + g2);
    out[3] = g0 + 2 * g1 + 4 * g2;
    out[4] = g0 - 2 * g1 + 4 * g2;
    out[5] = g2;
  }

  // A^T diag(24 / D) m on sums of the scaled kernel's products, so that the two steps give 576
  // times the direct convolution's sum. In double, where every value is an integer under 2^46:
  // exact.
  TWB_AVX2 static void outputStep(const Quad m[kInput], Quad out[kOutput]) {
    const Quad s12 = m[1] + m[2], d12 = m[1] - m[2], s34 = m[3] + m[4], d34 = m[3] - m[4];
    out[0] = 6 * m[0] + 4 * s12 + s34;
    out[1] = 4 * d12 + 2 * d34;
    out[2] = 4 * (s12 + s34);
    out[3] = 4 * d12 + 8 * d34 + 24 * m[5];
  }

  // B^T d B of 16 channels of one tile, its pixels at d[row * 6 + column]; point p to
  // v[p * stride].
  template <bool kSigned>
  TWB_AVX2 static void transformInput(const uint8_t* const* d, int16_t* v, int64_t stride) {
    Words rows[kInput][kInput];  // B^T d: [row][column]
    for (int c = 0; c < kInput; ++c) {
      Words column[kInput], out[kInput];
      for (int r = 0; r < kInput; ++r) column[r] = widen<kSigned>(d[r * kInput + c]);
      inputStep(column, out);
      for (int r = 0; r < kInput; ++r) rows[r][c] = out[r];
    }
    for (int r = 0; r < kInput; ++r) {
      Words out[kInput];
      inputStep(rows[r], out);
      for (int c = 0; c < kInput; ++c) store(out[c], v + (r * kInput + c) * stride);
    }
  }

  // (D G) g (D G)^T of one 3x3 kernel g (row-major), its 36 points to u.
  static void transformKernel(const int8_t* g, int32_t u[kPoints]) {
    int32_t columns[3][kInput];  // D G g, stored transposed: [column][row]
    for (int c = 0; c < 3; ++c) kernelStep(g[c], g[3 + c], g[6 + c], columns[c]);
    for (int r = 0; r < kInput; ++r)
      kernelStep(columns[0][r], columns[1][r], columns[2][r], u + r * kInput);
  }

  // The 4x4 outputs of channels [4 quad, 4 quad + 4) from a tile's products m[p * 16 + j], to
  // block[(row * 4 + column) * 16 + j].
  TWB_AVX2 static void transformOutput(const double* m, int quad, double* block) {
    Quad columnsOfRows[kOutput][kInput];  // the first step's outputs: [row][column]
    for (int c = 0; c < kInput; ++c) {
      Quad column[kInput], out[kOutput];
      for (int r = 0; r < kInput; ++r)
        column[r] = loadQuad(m + (r * kInput + c) * kPanel + 4 * quad);
      outputStep(column, out);
      for (int r = 0; r < kOutput; ++r) columnsOfRows[r][c] = out[r];
    }
    for (int r = 0; r < kOutput; ++r) {
      Quad out[kOutput];
      outputStep(columnsOfRows[r], out);
      for (int c = 0; c < kOutput; ++c)
        store(out[c], block + (r * kOutput + c) * kPanel + 4 * quad);
    }
  }
};

// A 3x3 convolution with stride 2 as the sum of four stride-1 ones on the input's phases (odd or
// even rows, odd or even columns): the odd-odd phase meets the kernel's four corners (a 2x2
// kernel), the mixed phases its edge middles (2x1 and 1x2) and the even-even phase its centre. Each
// 2-tap direction runs as Winograd's F(2, 2) (3 products for 2 outputs: (d0 - d1) g0, d1 (g0 + g1),
// (d2 - d1) g1), so a 2x2 block of outputs costs 9 + 6 + 6 + 4 = 25 products per channel pair
// instead of 36, from a 5x5 tile of the input. Every value is an integer and small (|v| <= 510, |u|
// <= 512): exact in s32 over 2 048 channels.
struct StrideTwo {
  static constexpr int kInput = 5, kOutput = 2, kPoints = 25, kStride = 2;
  static constexpr double kMultiple = 1;
  static constexpr int64_t kPairsPerSum = 1024;  // 2 x 510 x 512 a pair: 2^29 in 1 024 pairs
  static constexpr const char* kName = "winograd polyphase F(2x2, 2x2) stride 2 int8";
  // Points: odd-odd 3x3 from 0, odd-even 3x2 from 9, even-odd 2x3 from 15, even-even 2x2 from 21.
  static constexpr int kOddOdd = 0, kOddEven = 9, kEvenOdd = 15, kEvenEven = 21;

  // F(2, 2)'s input step on the three odd samples a (tile positions 0, 2, 4).
  TWB_AVX2 static void inputStep(const Words& a0, const Words& a1, const Words& a2, Words out[3]) {
    out[0] = a0 - a1;
    out[1] = a1;
    out[2] = a2 - a1;
  }

  template <bool kSigned>
  TWB_AVX2 static void transformInput(const uint8_t* const* d, int16_t* v, int64_t stride) {
    Words x[kInput][kInput];
    for (int r = 0; r < kInput; ++r)
      for (int c = 0; c < kInput; ++c) x[r][c] = widen<kSigned>(d[r * kInput + c]);
    Words oddRows[kInput][3];  // the step down the odd rows, per column: [column][point]
    for (int c = 0; c < kInput; ++c) inputStep(x[0][c], x[2][c], x[4][c], oddRows[c]);
    for (int p = 0; p < 3; ++p) {
      Words out[3];
      inputStep(oddRows[0][p], oddRows[2][p], oddRows[4][p], out);
      for (int q = 0; q < 3; ++q) store(out[q], v + (kOddOdd + p * 3 + q) * stride);
      for (int j = 0; j < 2; ++j) store(oddRows[1 + 2 * j][p], v + (kOddEven + p * 2 + j) * stride);
    }
    for (int i = 0; i < 2; ++i) {
      const Words* row = x[1 + 2 * i];
      Words out[3];
      inputStep(row[0], row[2], row[4], out);
      for (int q = 0; q < 3; ++q) store(out[q], v + (kEvenOdd + i * 3 + q) * stride);
      for (int j = 0; j < 2; ++j) store(row[1 + 2 * j], v + (kEvenEven + i * 2 + j) * stride);
    }
  }

  // F(2, 2)'s kernel step on the two taps g0, g1 that meet one phase.
  static void kernelStep(int32_t g0, int32_t g1, int32_t out[3]) {
    out[0] = g0;
    out[1] = g0 + g1;
    out[2] = g1;
  }

  static void transformKernel(const int8_t* g, int32_t u[kPoints]) {
    const auto w = [g](int r, int c) { return static_cast<int32_t>(g[r * 3 + c]); };
    int32_t left[3], right[3], middle[3], across[3];
    kernelStep(w(0, 0), w(2, 0), left);
    kernelStep(w(0, 2), w(2, 2), right);
    kernelStep(w(0, 1), w(2, 1), middle);  // the middle column's odd taps
    kernelStep(w(1, 0), w(1, 2), across);  // the middle row's odd taps
    for (int p = 0; p < 3; ++p) {
      kernelStep(left[p], right[p], u + kOddOdd + p * 3);
      for (int j = 0; j < 2; ++j) u[kOddEven + p * 2 + j] = middle[p];
    }
    for (int i = 0; i < 2; ++i)
      for (int q = 0; q < 3; ++q) u[kEvenOdd + i * 3 + q] = across[q];
    for (int k = 0; k < 4; ++k) u[kEvenEven + k] = w(1, 1);
  }

  TWB_AVX2 static void transformOutput(const double* m, int quad, double* block) {
    const double* sums = m + 4 * quad;  // point p's quad at sums[p * kPanel]
    for (int i = 0; i < 2; ++i)
      for (int j = 0; j < 2; ++j) {
        // F(2, 2)'s output step, y_i = m_i + m_(i + 1), on each 2-tap direction.
        Quad y = loadQuad(sums + (kEvenEven + i * 2 + j) * kPanel);
        for (int p = i; p < i + 2; ++p) {
          y += loadQuad(sums + (kOddEven + p * 2 + j) * kPanel);
          for (int q = j; q < j + 2; ++q) y += loadQuad(sums + (kOddOdd + p * 3 + q) * kPanel);
        }
        for (int q = j; q < j + 2; ++q) y += loadQuad(sums + (kEvenOdd + i * 3 + q) * kPanel);
        store(y, block + (i * kOutput + j) * kPanel + 4 * quad);
      }
  }
};

// 8 s32 sums of registers to two quads of m, added to what is there unless `first`.
TWB_AVX2 inline void moveSums(__m256i sums, bool first, double* m) {
  const __m256d low = _mm256_cvtepi32_pd(_mm256_castsi256_si128(sums));
  const __m256d high = _mm256_cvtepi32_pd(_mm256_extracti128_si256(sums, 1));
  if (first) {
    _mm256_store_pd(m, low);
    _mm256_store_pd(m + 4, high);
  } else {
    _mm256_store_pd(m, _mm256_add_pd(_mm256_load_pd(m), low));
    _mm256_store_pd(m + 4, _mm256_add_pd(_mm256_load_pd(m + 4), high));
  }
}

// acc0 and acc1 += the pair of s16 values at `pair`, in every lane, times u0 and u1 (vpmaddwd).
// In assembly: from intrinsics GCC loaded all six rows' pairs first and, short of registers,
// kept the accumulators on the stack (35 of 54 GMAC/s a core).
TWB_AVX2 inline void multiplyAdd(const int16_t* pair, __m256i u0, __m256i u1, __m256i& acc0,
                                 __m256i& acc1) {
  __m256i x, product;
  __asm__(
      "vpbroadcastd %[pair], %[x]\n\t"
      "vpmaddwd %[u0], %[x], %[product]\n\t"
      "vpaddd %[product], %[acc0], %[acc0]\n\t"
      "vpmaddwd %[u1], %[x], %[x]\n\t"
      "vpaddd %[x], %[acc1], %[acc1]"
      : [acc0] "+x"(acc0), [acc1] "+x"(acc1), [x] "=&x"(x), [product] "=&x"(product)
      : [pair] "m"(*reinterpret_cast<const int32_t*>(pair)), [u0] "x"(u0), [u1] "x"(u1));
}

// Up to kPairsPerSum pairs of rows x 16 output channels of one point, summed in registers and
// then moved to m (added unless `first`).
template <int kRows>
TWB_AVX2 inline void productSum(const int16_t* v, int64_t vRow, const int16_t* u, int64_t pairs,
                                bool first, double* m, int64_t mRow) {
  __m256i acc[kRows][2];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t k = 0; k < pairs; ++k) {
    const __m256i u0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + 32 * k));
    const __m256i u1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + 32 * k + 16));
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) multiplyAdd(v + r * vRow + 2 * k, u0, u1, acc[r][0], acc[r][1]);
  }
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    moveSums(acc[r][0], first, m + r * mRow);
    moveSums(acc[r][1], first, m + r * mRow + 8);
  }
}

// rows x 16 output channels of one point: m[r * mRow + j] = sum over the pairs k of
// v[r * vRow + 2k + {0, 1}] * u[32k + 2j + {0, 1}], in s32 over `pairsPerSum` pairs at a time.
template <int kRows>
TWB_AVX2 void productTile(const int16_t* v, int64_t vRow, const int16_t* u, int64_t pairs,
                          int64_t pairsPerSum, double* m, int64_t mRow) {
  for (int64_t k = 0; k < pairs; k += pairsPerSum)
    productSum<kRows>(v + 2 * k, vRow, u + 32 * k, std::min(pairsPerSum, pairs - k), k == 0, m,
                      mRow);
}

using ProductTile = void (*)(const int16_t*, int64_t, const int16_t*, int64_t, int64_t, double*,
                             int64_t);
constexpr ProductTile kProductTiles[kTileRows + 1] = {
    nullptr,        productTile<1>, productTile<2>, productTile<3>,
    productTile<4>, productTile<5>, productTile<6>};

// 8 outputs, in accumulator units times `multiple`, to the output's type at `out`.
template <WinogradInt8Conv3x3::Type kDst>
TWB_AVX2 inline void storeOutputs(const double* sums, __m256d reciprocal, __m256 bias, __m256 scale,
                                  __m256 lo, __m256 hi, void* out) {
  // The sums are whole multiples of `multiple`: rounding after the product by its reciprocal
  // recovers the direct sum exactly, and converting that to float rounds as oneDNN's conversion
  // of its s32 sum does.
  constexpr int kNearest = _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC;
  const __m128 low =
      _mm256_cvtpd_ps(_mm256_round_pd(_mm256_mul_pd(_mm256_load_pd(sums), reciprocal), kNearest));
  const __m128 high = _mm256_cvtpd_ps(
      _mm256_round_pd(_mm256_mul_pd(_mm256_load_pd(sums + 4), reciprocal), kNearest));
  __m256 y = _mm256_mul_ps(_mm256_add_ps(_mm256_set_m128(high, low), bias), scale);
  y = _mm256_min_ps(_mm256_max_ps(y, lo), hi);
  if constexpr (kDst == WinogradInt8Conv3x3::Type::f32) {
    _mm256_storeu_ps(static_cast<float*>(out), y);
  } else {
    const __m256i q = _mm256_cvtps_epi32(y);  // to nearest even; lo and hi hold it in range
    const __m128i words =
        _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
    const __m128i bytes = kDst == WinogradInt8Conv3x3::Type::u8 ? _mm_packus_epi16(words, words)
                                                                : _mm_packs_epi16(words, words);
    _mm_storel_epi64(static_cast<__m128i*>(out), bytes);
  }
}

// The output transform of one tile's products, m[p * 16 + j] for the panel's 16 channels, to
// its block of outputs out[r * rowStride + c * pixel] (in elements of the output's type) inside
// `rows` x `columns`.
template <class Scheme, WinogradInt8Conv3x3::Type kDst>
TWB_AVX2 void transformOutputTile(const double* m, const float* bias, const float* scale, __m256 lo,
                                  __m256 hi, int rows, int columns, int64_t rowStride,
                                  int64_t pixel, void* dst) {
  using T = std::conditional_t<kDst == WinogradInt8Conv3x3::Type::f32, float, uint8_t>;
  constexpr int kOut = Scheme::kOutput;
  alignas(32) double block[kOut * kOut * kPanel];  // the sums times the multiple
  for (int quad = 0; quad < kPanel / 4; ++quad) Scheme::transformOutput(m, quad, block);
  const __m256d reciprocal = _mm256_set1_pd(1 / Scheme::kMultiple);
  for (int half = 0; half < 2; ++half) {
    const int h = half * 8;
    const __m256 b = _mm256_loadu_ps(bias + h), s = _mm256_loadu_ps(scale + h);
    for (int r = 0; r < rows; ++r)
      for (int c = 0; c < columns; ++c)
        storeOutputs<kDst>(block + (r * kOut + c) * kPanel + h, reciprocal, b, s, lo, hi,
                           static_cast<T*>(dst) + r * rowStride + c * pixel + h);
  }
}
}  // namespace

bool WinogradInt8Conv3x3::supports(const Shape& shape) {
  const bool cpu = int8WithoutVnni();
  const bool channels =
      shape.in % kChannels == 0 && shape.out % kPanel == 0 && shape.in > 0 && shape.out > 0;
  if (!cpu || shape.src == Type::f32 || !channels) return false;
  if (shape.stride == 1) return true;
  // At stride 2 the last row and column of 2x2 blocks are half wasted on an odd output: 7x7
  // outputs (ResNet-50's last stage) take 400 products per channel pair against the direct
  // kernel's 441, and ran slower (19.4 against 16.6 ms at batch 16).
  const int64_t outHeight = (shape.height - 1) / 2 + 1, outWidth = (shape.width - 1) / 2 + 1;
  const int64_t blocks = (outHeight + 1) / 2 * ((outWidth + 1) / 2);
  return shape.stride == 2 && blocks * StrideTwo::kPoints * 10 <= outHeight * outWidth * 9 * 8;
}

WinogradInt8Conv3x3::WinogradInt8Conv3x3(const Shape& shape)
    : m_shape(shape),
      m_points(shape.stride == 1 ? FourByFour::kPoints : StrideTwo::kPoints),
      m_outHeight((shape.height - 1) / shape.stride + 1),
      m_outWidth((shape.width - 1) / shape.stride + 1),
      m_threads(omp_get_max_threads()),
      m_zeros(shape.in, 0) {
  const int64_t side = shape.stride == 1 ? FourByFour::kOutput : StrideTwo::kOutput;
  m_tilesHigh = (m_outHeight + side - 1) / side;
  m_tilesWide = (m_outWidth + side - 1) / side;
  m_tiles = shape.batch * m_tilesHigh * m_tilesWide;
  m_group = groupOfTiles();
}

const char* WinogradInt8Conv3x3::name() const {
  return m_shape.stride == 1 ? FourByFour::kName : StrideTwo::kName;
}

int64_t WinogradInt8Conv3x3::groupOfTiles() const {
  // As many groups for every thread (ResNet-50's 7x7 layers have 64 tiles at batch 16).
  // Every group streams the whole transformed kernel by once: with many output channels, more
  // tiles a group (ResNet-50's last stage, 18.9 MB of kernel at 512 channels, more than this
  // AVX2 EPYC's last-level cache: 17.7-18.8 against 20.1-21.4 ms for its two layers).
  const int64_t target = std::max<int64_t>(kGroupTiles, m_shape.out / 16);
  int64_t groups = (m_tiles + target - 1) / target;
  groups = (groups + m_threads - 1) / m_threads * m_threads;
  return std::max<int64_t>(1, (m_tiles + groups - 1) / groups);
}

int64_t WinogradInt8Conv3x3::transformedInputBytes() const {
  return (m_points * m_group * m_shape.in * 2 + 63) / 64 * 64;
}

size_t WinogradInt8Conv3x3::scratchBytes() const {
  const int64_t perThread = transformedInputBytes() + m_group * m_points * kPanel * 8;
  return static_cast<size_t>(m_threads * ((perThread + 63) / 64 * 64));
}

void WinogradInt8Conv3x3::setWeights(const int8_t* weights, const float* bias,
                                     const float* scales) {
  const int64_t in = m_shape.in, out = m_shape.out, pairs = in / 2, points = m_points;
  m_u.assign(static_cast<size_t>(out * points * in), 0);
  m_bias = bias ? std::vector<float>(bias, bias + out) : std::vector<float>(out, 0.f);
  m_scales.assign(scales, scales + out);
  const bool strideOne = m_shape.stride == 1;
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) {
      int32_t u[FourByFour::kPoints];
      if (strideOne)
        FourByFour::transformKernel(weights + (o * in + i) * 9, u);
      else
        StrideTwo::transformKernel(weights + (o * in + i) * 9, u);
      const int64_t panel = o / kPanel, lane = o % kPanel;
      for (int64_t point = 0; point < points; ++point)
        m_u[static_cast<size_t>((((panel * points + point) * pairs + i / 2) * kPanel + lane) * 2 +
                                i % 2)] = static_cast<int16_t>(u[point]);
    }
}

template <class Scheme>
TWB_AVX2 void WinogradInt8Conv3x3::transformInput(const uint8_t* src, int64_t first, int64_t count,
                                                  int16_t* v) const {
  constexpr int kSide = Scheme::kInput;
  const int64_t in = m_shape.in, height = m_shape.height, width = m_shape.width;
  const int64_t stride = count * in, step = Scheme::kOutput * Scheme::kStride;
  for (int64_t t = 0; t < count; ++t) {
    const int64_t tile = first + t;
    const int64_t image = tile / (m_tilesHigh * m_tilesWide);
    const int64_t y0 = tile / m_tilesWide % m_tilesHigh * step - 1;
    const int64_t x0 = tile % m_tilesWide * step - 1;
    for (int64_t c = 0; c < in; c += kChannels) {
      const uint8_t* d[kSide * kSide];
      for (int r = 0; r < kSide; ++r)
        for (int col = 0; col < kSide; ++col) {
          const int64_t y = y0 + r, x = x0 + col;
          d[r * kSide + col] = y >= 0 && y < height && x >= 0 && x < width
                                   ? src + ((image * height + y) * width + x) * in + c
                                   : m_zeros.data();
        }
      if (m_shape.src == Type::s8)
        Scheme::template transformInput<true>(d, v + t * in + c, stride);
      else
        Scheme::template transformInput<false>(d, v + t * in + c, stride);
    }
  }
}

template <class Scheme>
TWB_AVX2 void WinogradInt8Conv3x3::multiply(const int16_t* v, int64_t count, int64_t panel,
                                            double* m) const {
  const int64_t in = m_shape.in, pairs = in / 2;
  for (int64_t point = 0; point < m_points; ++point) {
    const int16_t* u = m_u.data() + (panel * m_points + point) * pairs * kPanel * 2;
    const int16_t* vp = v + point * count * in;
    for (int64_t t = 0; t < count; t += kTileRows) {
      const int rows = static_cast<int>(std::min<int64_t>(kTileRows, count - t));
      kProductTiles[rows](vp + t * in, in, u, pairs, Scheme::kPairsPerSum,
                          m + (t * m_points + point) * kPanel, m_points * kPanel);
    }
  }
}

template <class Scheme>
TWB_AVX2 void WinogradInt8Conv3x3::transformOutput(const double* m, int64_t first, int64_t count,
                                                   int64_t panel, void* dst, float lo,
                                                   float hi) const {
  const int64_t out = m_shape.out, height = m_outHeight, width = m_outWidth;
  float low = lo, high = hi;
  if (m_shape.dst == Type::u8) low = std::max(low, 0.f), high = std::min(high, 255.f);
  if (m_shape.dst == Type::s8) low = std::max(low, -128.f), high = std::min(high, 127.f);
  const __m256 l = _mm256_set1_ps(low), h = _mm256_set1_ps(high);
  const int64_t c0 = panel * kPanel, side = Scheme::kOutput;
  for (int64_t t = 0; t < count; ++t) {
    const int64_t tile = first + t;
    const int64_t image = tile / (m_tilesHigh * m_tilesWide);
    const int64_t y = tile / m_tilesWide % m_tilesHigh * side, x = tile % m_tilesWide * side;
    const int rows = static_cast<int>(std::min(side, height - y));
    const int columns = static_cast<int>(std::min(side, width - x));
    const int64_t at = ((image * height + y) * width + x) * out + c0;
    const double* mt = m + t * Scheme::kPoints * kPanel;
    const float *bias = m_bias.data() + c0, *scale = m_scales.data() + c0;
    switch (m_shape.dst) {
      case Type::u8:
        transformOutputTile<Scheme, Type::u8>(mt, bias, scale, l, h, rows, columns, width * out,
                                              out, static_cast<uint8_t*>(dst) + at);
        break;
      case Type::s8:
        transformOutputTile<Scheme, Type::s8>(mt, bias, scale, l, h, rows, columns, width * out,
                                              out, static_cast<int8_t*>(dst) + at);
        break;
      case Type::f32:
        transformOutputTile<Scheme, Type::f32>(mt, bias, scale, l, h, rows, columns, width * out,
                                               out, static_cast<float*>(dst) + at);
        break;
    }
  }
}

template <class Scheme>
void WinogradInt8Conv3x3::runWith(const void* src, void* dst, void* scratch, float lo,
                                  float hi) const {
  const int64_t panels = m_shape.out / kPanel;
  const int64_t groups = (m_tiles + m_group - 1) / m_group;
  const size_t perThread = scratchBytes() / static_cast<size_t>(m_threads);
#pragma omp parallel num_threads(m_threads)
  {
    auto* mine = static_cast<uint8_t*>(scratch) + omp_get_thread_num() * perThread;
    auto* v = reinterpret_cast<int16_t*>(mine);
    auto* m = reinterpret_cast<double*>(mine + transformedInputBytes());
#pragma omp for schedule(static)
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t first = g * m_group, count = std::min(m_group, m_tiles - first);
      transformInput<Scheme>(static_cast<const uint8_t*>(src), first, count, v);
      for (int64_t panel = 0; panel < panels; ++panel) {
        multiply<Scheme>(v, count, panel, m);
        transformOutput<Scheme>(m, first, count, panel, dst, lo, hi);
      }
    }
  }
}

void WinogradInt8Conv3x3::run(const void* src, void* dst, void* scratch, float lo, float hi) const {
  if (m_shape.stride == 1)
    runWith<FourByFour>(src, dst, scratch, lo, hi);
  else
    runWith<StrideTwo>(src, dst, scratch, lo, hi);
}

}  // namespace twb
