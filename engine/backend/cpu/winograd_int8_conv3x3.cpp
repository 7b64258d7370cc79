#include "backend/cpu/winograd_int8_conv3x3.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>

namespace twb {

namespace {
constexpr int kSide = 4;                // an input tile is 4x4 ...
constexpr int kPoints = kSide * kSide;  // ... and has 16 points in the transformed domain
constexpr int64_t kChannels = 16;       // channels the transforms take at a time, as s16 lanes
constexpr int64_t kPanel = 16;          // output channels a product's register tile holds
constexpr int kTileRows = 6;            // tiles a product's register tile holds
// Most tiles a thread transforms and multiplies at a time: their transformed input (16 points x
// in channels x 2 bytes each) stays in its own caches while every panel of the kernel streams by.
constexpr int64_t kGroupTiles = 48;

#define TWB_AVX2 __attribute__((target("avx2")))

// One step of F(2, 3)'s input transform, B^T d, on 16 channels.
TWB_AVX2 inline void inputStep(const __m256i d[4], __m256i out[4]) {
  out[0] = _mm256_sub_epi16(d[0], d[2]);
  out[1] = _mm256_add_epi16(d[1], d[2]);
  out[2] = _mm256_sub_epi16(d[2], d[1]);
  out[3] = _mm256_sub_epi16(d[1], d[3]);
}

// One step of the kernel's transform, (2G) g, on a column or row of three weights.
inline void filterStep(int32_t g0, int32_t g1, int32_t g2, int32_t out[4]) {
  out[0] = 2 * g0;
  out[1] = g0 + g1 + g2;
  out[2] = g0 - g1 + g2;
  out[3] = 2 * g2;
}

// One step of the output transform, A^T m, on 8 channels' s32 sums.
TWB_AVX2 inline void outputStep(const __m256i m[4], __m256i out[2]) {
  out[0] = _mm256_add_epi32(_mm256_add_epi32(m[0], m[1]), m[2]);
  out[1] = _mm256_sub_epi32(_mm256_sub_epi32(m[1], m[2]), m[3]);
}

template <bool kSigned>
TWB_AVX2 inline __m256i widen(const uint8_t* pixel) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(pixel));
  return kSigned ? _mm256_cvtepi8_epi16(bytes) : _mm256_cvtepu8_epi16(bytes);
}

// B^T d B of 16 channels of one tile, its pixels at d[row][column] (padding: zeros); point p to
// v[p * stride].
template <bool kSigned>
TWB_AVX2 void transformInputTile(const uint8_t* const d[kSide][kSide], int16_t* v, int64_t stride) {
  __m256i rows[kSide][kSide];  // B^T d: [row][column]
  for (int c = 0; c < kSide; ++c) {
    const __m256i column[kSide] = {widen<kSigned>(d[0][c]), widen<kSigned>(d[1][c]),
                                   widen<kSigned>(d[2][c]), widen<kSigned>(d[3][c])};
    __m256i out[kSide];
    inputStep(column, out);
    for (int r = 0; r < kSide; ++r) rows[r][c] = out[r];
  }
  for (int r = 0; r < kSide; ++r) {
    __m256i out[kSide];
    inputStep(rows[r], out);
    for (int c = 0; c < kSide; ++c)
      _mm256_store_si256(reinterpret_cast<__m256i*>(v + (r * kSide + c) * stride), out[c]);
  }
}

// rows x 16 output channels of one point: m[r * mRow + j] = sum over the pairs k of
// v[r * vRow + 2k + {0, 1}] * u[32k + 2j + {0, 1}], held in registers over the whole depth.
template <int kRows>
TWB_AVX2 void productTile(const int16_t* v, int64_t vRow, const int16_t* u, int64_t pairs,
                          int32_t* m, int64_t mRow) {
  // Unrolled, so the accumulators stay in registers (GCC at -O2 kept them on the stack: 33
  // against 54 GMAC/s on one core of an AVX2 EPYC).
  __m256i acc[kRows][2];
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) acc[r][0] = acc[r][1] = _mm256_setzero_si256();
  for (int64_t k = 0; k < pairs; ++k) {
    const __m256i u0 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + 32 * k));
    const __m256i u1 = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(u + 32 * k + 16));
#pragma GCC unroll 8
    for (int r = 0; r < kRows; ++r) {
      int32_t pair;
      __builtin_memcpy(&pair, v + r * vRow + 2 * k, sizeof pair);
      const __m256i x = _mm256_set1_epi32(pair);
      acc[r][0] = _mm256_add_epi32(acc[r][0], _mm256_madd_epi16(x, u0));
      acc[r][1] = _mm256_add_epi32(acc[r][1], _mm256_madd_epi16(x, u1));
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kRows; ++r) {
    _mm256_store_si256(reinterpret_cast<__m256i*>(m + r * mRow), acc[r][0]);
    _mm256_store_si256(reinterpret_cast<__m256i*>(m + r * mRow + 8), acc[r][1]);
  }
}

using ProductTile = void (*)(const int16_t*, int64_t, const int16_t*, int64_t, int32_t*, int64_t);
constexpr ProductTile kProductTiles[kTileRows + 1] = {
    nullptr,        productTile<1>, productTile<2>, productTile<3>,
    productTile<4>, productTile<5>, productTile<6>};

// 8 outputs, in accumulator units times 4, to the output's type at `out`.
template <WinogradInt8Conv3x3::Type kDst>
TWB_AVX2 inline void storeOutputs(__m256i sum4, __m256 bias, __m256 scale, __m256 lo, __m256 hi,
                                  void* out) {
  const __m256 acc = _mm256_cvtepi32_ps(_mm256_srai_epi32(sum4, 2));  // exact: sum4 = 4 * acc
  __m256 y = _mm256_mul_ps(_mm256_add_ps(acc, bias), scale);
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

// A^T m A of one tile's 16 points, m[p * 16 + j] for the panel's 16 channels, to its 2x2 block
// of outputs out[r * rowStride + c * pixel] (in elements of the output's type) inside `rows` x
// `columns`.
template <WinogradInt8Conv3x3::Type kDst>
TWB_AVX2 void transformOutputTile(const int32_t* m, const float* bias, const float* scale,
                                  __m256 lo, __m256 hi, int rows, int columns, int64_t rowStride,
                                  int64_t pixel, void* dst) {
  using T = std::conditional_t<kDst == WinogradInt8Conv3x3::Type::f32, float, uint8_t>;
  for (int half = 0; half < 2; ++half) {
    const int h = half * 8;
    __m256i columnsOfRows[2][kSide];  // A^T m: [row][column]
    for (int c = 0; c < kSide; ++c) {
      __m256i column[kSide];
      for (int r = 0; r < kSide; ++r)
        column[r] =
            _mm256_load_si256(reinterpret_cast<const __m256i*>(m + (r * kSide + c) * 16 + h));
      __m256i out[2];
      outputStep(column, out);
      columnsOfRows[0][c] = out[0];
      columnsOfRows[1][c] = out[1];
    }
    const __m256 b = _mm256_loadu_ps(bias + h), s = _mm256_loadu_ps(scale + h);
    for (int r = 0; r < rows; ++r) {
      __m256i out[2];
      outputStep(columnsOfRows[r], out);
      for (int c = 0; c < columns; ++c)
        storeOutputs<kDst>(out[c], b, s, lo, hi,
                           static_cast<T*>(dst) + r * rowStride + c * pixel + h);
    }
  }
}
}  // namespace

bool WinogradInt8Conv3x3::supports(const Shape& shape) {
  static const bool cpu = __builtin_cpu_supports("avx2") && !__builtin_cpu_supports("avx512vnni") &&
                          !__builtin_cpu_supports("avxvnni");
  return cpu && shape.src != Type::f32 && shape.in % kChannels == 0 && shape.out % kPanel == 0 &&
         shape.in > 0 && shape.out > 0;
}

WinogradInt8Conv3x3::WinogradInt8Conv3x3(const Shape& shape)
    : m_shape(shape),
      m_tilesHigh((shape.height + 1) / 2),
      m_tilesWide((shape.width + 1) / 2),
      m_tiles(shape.batch * m_tilesHigh * m_tilesWide),
      m_threads(omp_get_max_threads()),
      m_group(groupOfTiles()),
      m_zeros(shape.in, 0) {}

int64_t WinogradInt8Conv3x3::groupOfTiles() const {
  // As many groups for every thread (ResNet-50's 7x7 layers have 256 tiles at batch 16).
  int64_t groups = (m_tiles + kGroupTiles - 1) / kGroupTiles;
  groups = (groups + m_threads - 1) / m_threads * m_threads;
  return std::max<int64_t>(1, (m_tiles + groups - 1) / groups);
}

size_t WinogradInt8Conv3x3::scratchBytes() const {
  const int64_t perThread = kPoints * m_group * m_shape.in * 2 + m_group * kPoints * kPanel * 4;
  return static_cast<size_t>(m_threads * ((perThread + 63) / 64 * 64));
}

void WinogradInt8Conv3x3::setWeights(const int8_t* weights, const float* bias,
                                     const float* scales) {
  const int64_t in = m_shape.in, out = m_shape.out, pairs = in / 2;
  m_u.assign(static_cast<size_t>(out * kPoints * in), 0);
  m_bias = bias ? std::vector<float>(bias, bias + out) : std::vector<float>(out, 0.f);
  m_scales.assign(scales, scales + out);
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t o = 0; o < out; ++o)
    for (int64_t i = 0; i < in; ++i) {
      const int8_t* g = weights + (o * in + i) * 9;
      int32_t columns[3][kSide];  // (2G) g, stored transposed: [column][row]
      for (int c = 0; c < 3; ++c) filterStep(g[c], g[3 + c], g[6 + c], columns[c]);
      const int64_t panel = o / kPanel, lane = o % kPanel;
      for (int r = 0; r < kSide; ++r) {
        int32_t row[kSide];  // row r of (2G) g (2G)^T
        filterStep(columns[0][r], columns[1][r], columns[2][r], row);
        for (int c = 0; c < kSide; ++c) {
          const int64_t point = r * kSide + c;
          m_u[static_cast<size_t>(
              (((panel * kPoints + point) * pairs + i / 2) * kPanel + lane) * 2 + i % 2)] =
              static_cast<int16_t>(row[c]);
        }
      }
    }
}

TWB_AVX2 void WinogradInt8Conv3x3::transformInput(const uint8_t* src, int64_t first, int64_t count,
                                                  int16_t* v) const {
  const int64_t in = m_shape.in, height = m_shape.height, width = m_shape.width;
  const int64_t stride = count * in;
  for (int64_t t = 0; t < count; ++t) {
    const int64_t tile = first + t;
    const int64_t image = tile / (m_tilesHigh * m_tilesWide);
    const int64_t y0 = tile / m_tilesWide % m_tilesHigh * 2 - 1, x0 = tile % m_tilesWide * 2 - 1;
    for (int64_t c = 0; c < in; c += kChannels) {
      const uint8_t* d[kSide][kSide];
      for (int r = 0; r < kSide; ++r)
        for (int col = 0; col < kSide; ++col) {
          const int64_t y = y0 + r, x = x0 + col;
          d[r][col] = y >= 0 && y < height && x >= 0 && x < width
                          ? src + ((image * height + y) * width + x) * in + c
                          : m_zeros.data();
        }
      if (m_shape.src == Type::s8)
        transformInputTile<true>(d, v + t * in + c, stride);
      else
        transformInputTile<false>(d, v + t * in + c, stride);
    }
  }
}

TWB_AVX2 void WinogradInt8Conv3x3::multiply(const int16_t* v, int64_t count, int64_t panel,
                                            int32_t* m) const {
  const int64_t in = m_shape.in, pairs = in / 2;
  for (int point = 0; point < kPoints; ++point) {
    const int16_t* u = m_u.data() + (panel * kPoints + point) * pairs * kPanel * 2;
    const int16_t* vp = v + point * count * in;
    for (int64_t t = 0; t < count; t += kTileRows) {
      const int rows = static_cast<int>(std::min<int64_t>(kTileRows, count - t));
      kProductTiles[rows](vp + t * in, in, u, pairs, m + (t * kPoints + point) * kPanel,
                          kPoints * kPanel);
    }
  }
}

TWB_AVX2 void WinogradInt8Conv3x3::transformOutput(const int32_t* m, int64_t first, int64_t count,
                                                   int64_t panel, void* dst, float lo,
                                                   float hi) const {
  const int64_t out = m_shape.out, height = m_shape.height, width = m_shape.width;
  float low = lo, high = hi;
  if (m_shape.dst == Type::u8) low = std::max(low, 0.f), high = std::min(high, 255.f);
  if (m_shape.dst == Type::s8) low = std::max(low, -128.f), high = std::min(high, 127.f);
  const __m256 l = _mm256_set1_ps(low), h = _mm256_set1_ps(high);
  const int64_t c0 = panel * kPanel;
  for (int64_t t = 0; t < count; ++t) {
    const int64_t tile = first + t;
    const int64_t image = tile / (m_tilesHigh * m_tilesWide);
    const int64_t y = tile / m_tilesWide % m_tilesHigh * 2, x = tile % m_tilesWide * 2;
    const int rows = static_cast<int>(std::min<int64_t>(2, height - y));
    const int columns = static_cast<int>(std::min<int64_t>(2, width - x));
    const int64_t at = ((image * height + y) * width + x) * out + c0;
    const int32_t* mt = m + t * kPoints * kPanel;
    const float *bias = m_bias.data() + c0, *scale = m_scales.data() + c0;
    switch (m_shape.dst) {
      case Type::u8:
        transformOutputTile<Type::u8>(mt, bias, scale, l, h, rows, columns, width * out, out,
                                      static_cast<uint8_t*>(dst) + at);
        break;
      case Type::s8:
        transformOutputTile<Type::s8>(mt, bias, scale, l, h, rows, columns, width * out, out,
                                      static_cast<int8_t*>(dst) + at);
        break;
      case Type::f32:
        transformOutputTile<Type::f32>(mt, bias, scale, l, h, rows, columns, width * out, out,
                                       static_cast<float*>(dst) + at);
        break;
    }
  }
}

void WinogradInt8Conv3x3::run(const void* src, void* dst, void* scratch, float lo, float hi) const {
  const int64_t in = m_shape.in, panels = m_shape.out / kPanel;
  const int64_t groups = (m_tiles + m_group - 1) / m_group;
  const size_t perThread = scratchBytes() / static_cast<size_t>(m_threads);
#pragma omp parallel num_threads(m_threads)
  {
    auto* mine = static_cast<uint8_t*>(scratch) + omp_get_thread_num() * perThread;
    auto* v = reinterpret_cast<int16_t*>(mine);
    auto* m = reinterpret_cast<int32_t*>(mine + kPoints * m_group * in * 2);
#pragma omp for schedule(static)
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t first = g * m_group, count = std::min(m_group, m_tiles - first);
      transformInput(static_cast<const uint8_t*>(src), first, count, v);
      for (int64_t panel = 0; panel < panels; ++panel) {
        multiply(v, count, panel, m);
        transformOutput(m, first, count, panel, dst, lo, hi);
      }
    }
  }
}

}  // namespace twb
