#include "backend/cpu/winograd_conv3x3.h"

#include <immintrin.h>
#include <omp.h>

#include <algorithm>
#include <cstring>

namespace twb {

namespace {
constexpr int64_t kBlock = 8;  // channels a transform takes at a time
constexpr int kSide = 6;       // an input tile is 6x6 ...
constexpr int kOut = 4;        // ... and gives a 4x4 block of outputs
constexpr int kPoints = kSide * kSide;
// The transforms cost memory traffic per channel and the products work per pair of channels:
// with fewer channels than this, oneDNN's direct kernel is as fast (16 to 32 at 28x28: 2.1
// against 2.3 ms at batch 64, in the spread of this machine; 32 to 64 at 14x14: 1.6 against 2.5).
constexpr int64_t kFewestChannels = 32;
// In training, each of the 36 products of a pass multiplies (blocks x in) by (in x out) from a
// kernel transformed at every step, 4 times the weights' bytes: with few blocks the products
// stream those bytes for little work. AVX-512 EPYC, 2 threads, forward and backward of a layer:
// 512 channels at 4x4 (1 block an image) took 26.7 ms against 7.8 direct at batch 8 (8 blocks),
// 31.7 against 24.7 at batch 32, 74.1 against 83.3 at batch 128; 256 channels at 8x8, 7.9 against
// 5.8 at 32 blocks, 17.6 against 22.4 at 128; and 32 to 64 channels at 14x14 (cnn-small's),
// 11.4 against 8.0 even at 2 048 blocks. (Frozen inference transforms the kernel once and takes
// Winograd down to kFewestChannels and a block: it won at every layer measured there,
// resnet18-cifar's at batch 32 and cnn-small's at 128.)
constexpr int64_t kFewestChannelsInTraining = 64;
constexpr int64_t kFewestBlocksInTraining = 128;
// Scratch for one pass of the kernel's gradient: the transformed input and output gradient of
// this many bytes' worth of tiles stay in the last-level cache between transforms and products.
constexpr int64_t kChunkBytes = 16 << 20;
// Most tiles a thread takes at a time in run(): it transforms their input, multiplies and
// transforms the products back while they are in its own caches (32 to 64 channels at 14x14,
// batch 64: 2.6-3.6 ms against 3.4-4.4 in three passes over all tiles through the last-level
// cache; no slower at 128 to 512 channels).
constexpr int64_t kGroupTiles = 48;
// The kernel's gradient sums over the tiles of whole images, at least this many tiles at a time,
// in float, and adds those sums in double: data-parallel ranks, each with a share of the batch,
// then sum the same groups of images as one process with all of it (one running float sum over
// the tiles made them drift apart by 5e-5 in 50 steps of cnn-small, a tie flipping).
constexpr int64_t kTilesPerSum = 64;

using Lanes = float[kBlock];

// The transforms are compiled for AVX2 with FMA (supports() asks for it): one 8-lane block of
// channels is one register, where the engine's baseline x86-64 build would use two SSE halves.
#define TWB_AVX2 __attribute__((target("avx2,fma")))

// The 1-D transforms of F(4, 3) (Lavin and Gray's matrices), applied to the columns of a tile
// and then to its rows, 8 channels at a time. Input: B^T d.
TWB_AVX2 inline void inputTransform(const Lanes* const d[kSide], Lanes* out) {
  for (int l = 0; l < kBlock; ++l) {
    const float d0 = (*d[0])[l], d1 = (*d[1])[l], d2 = (*d[2])[l], d3 = (*d[3])[l], d4 = (*d[4])[l],
                d5 = (*d[5])[l];
    out[0][l] = 4 * d0 - 5 * d2 + d4;
    out[1][l] = -4 * (d1 + d2) + d3 + d4;
    out[2][l] = 4 * (d1 - d2) - d3 + d4;
    out[3][l] = 2 * (d3 - d1) - d2 + d4;
    out[4][l] = 2 * (d1 - d3) - d2 + d4;
    out[5][l] = 4 * d1 - 5 * d3 + d5;
  }
}

// Filter: G g, for 8 kernels at a time (by reciprocals: a division per element took most of the
// time when weights change every step).
TWB_AVX2 inline void filterTransform(const Lanes& g0, const Lanes& g1, const Lanes& g2,
                                     Lanes* out) {
  constexpr float kSixth = 1.f / 6, kTwelfth = 1.f / 12, kTwentyFourth = 1.f / 24;
  for (int l = 0; l < kBlock; ++l) {
    out[0][l] = 0.25f * g0[l];
    out[1][l] = -kSixth * (g0[l] + g1[l] + g2[l]);
    out[2][l] = -kSixth * (g0[l] - g1[l] + g2[l]);
    out[3][l] = kTwentyFourth * g0[l] + kTwelfth * g1[l] + kSixth * g2[l];
    out[4][l] = kTwentyFourth * g0[l] - kTwelfth * g1[l] + kSixth * g2[l];
    out[5][l] = g2[l];
  }
}

// Output: A^T m.
TWB_AVX2 inline void outputTransform(const float* const m[kSide], Lanes* out) {
  for (int l = 0; l < kBlock; ++l) {
    const float m0 = m[0][l], m1 = m[1][l], m2 = m[2][l], m3 = m[3][l], m4 = m[4][l], m5 = m[5][l];
    out[0][l] = m0 + m1 + m2 + m3 + m4;
    out[1][l] = m1 - m2 + 2 * (m3 - m4);
    out[2][l] = m1 + m2 + 4 * (m3 + m4);
    out[3][l] = m1 - m2 + 8 * (m3 - m4) + m5;
  }
}

// B^T d B of one tile of one block of channels, d[row][column] (zeros outside the image): its 36
// points go to v[point * stride], 8 lanes each.
TWB_AVX2 void transformInputTile(const Lanes* const d[kSide][kSide], float* v, int64_t stride) {
  alignas(32) Lanes columns[kSide][kSide];  // B^T d, stored transposed: [column][row]
  for (int c = 0; c < kSide; ++c) {
    const Lanes* column[kSide];
    for (int r = 0; r < kSide; ++r) column[r] = d[r][c];
    inputTransform(column, columns[c]);
  }
  for (int r = 0; r < kSide; ++r) {
    const Lanes* row[kSide];
    for (int c = 0; c < kSide; ++c) row[c] = &columns[c][r];
    alignas(32) Lanes transformed[kSide];  // (B^T d B) row r
    inputTransform(row, transformed);
    for (int c = 0; c < kSide; ++c)
      std::memcpy(v + (r * kSide + c) * stride, transformed[c], sizeof(Lanes));
  }
}

// The 4x4 block of outputs A^T m A + bias, clamped to [lo, hi], of one block of channels from its
// 36 products m[point * stride]; to out[r * rowStride + c * pixel] for the rows and columns
// inside the image.
TWB_AVX2 void transformOutputTile(const float* m, int64_t stride, const float* bias, float lo,
                                  float hi, int rows, int columns, int64_t rowStride, int64_t pixel,
                                  float* out) {
  alignas(32) Lanes transposed[kSide][kOut];  // A^T m, stored transposed: [column][row]
  for (int c = 0; c < kSide; ++c) {
    const float* column[kSide];
    for (int r = 0; r < kSide; ++r) column[r] = m + (r * kSide + c) * stride;
    outputTransform(column, transposed[c]);
  }
  const __m256 b = _mm256_loadu_ps(bias), low = _mm256_set1_ps(lo), high = _mm256_set1_ps(hi);
  for (int r = 0; r < rows; ++r) {
    const float* row[kSide];
    for (int c = 0; c < kSide; ++c) row[c] = transposed[c][r];
    alignas(32) Lanes y[kOut];  // (A^T m A) row r
    outputTransform(row, y);
    for (int c = 0; c < columns; ++c) {
      // By intrinsics: GCC left this clamp in 4-lane and scalar code in every form tried. The
      // bound comes first so that a NaN output stays NaN (MAXPS returns its second operand then).
      const __m256 v = _mm256_add_ps(_mm256_load_ps(y[c]), b);
      _mm256_storeu_ps(out + r * rowStride + c * pixel, _mm256_min_ps(high, _mm256_max_ps(low, v)));
    }
  }
}
// G g G^T of the kernels from input channel c to 8 output channels [k, k + 8), each point's 8
// lanes to u[point * stride].
TWB_AVX2 void transformKernels(const WinogradConv3x3::KernelView& kernel, int64_t c, int64_t k,
                               float* u, int64_t stride) {
  Lanes g[3][3];
  for (int l = 0; l < kBlock; ++l) {
    const float* w = kernel.base + (k + l) * kernel.out + c * kernel.in;
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j) g[i][j][l] = w[i * kernel.row + j * kernel.column];
  }
  Lanes columns[3][kSide];  // G g: the kernel's columns, transformed
  for (int j = 0; j < 3; ++j) filterTransform(g[0][j], g[1][j], g[2][j], columns[j]);
  for (int i = 0; i < kSide; ++i) {
    Lanes row[kSide];  // (G g G^T) row i
    filterTransform(columns[0][i], columns[1][i], columns[2][i], row);
    for (int j = 0; j < kSide; ++j)
      std::memcpy(u + (i * kSide + j) * stride, row[j], sizeof(Lanes));
  }
}
// The 6 values z = A y of 4 values y (the transpose of the output transform A^T), 8 lanes each.
TWB_AVX2 inline void outputGradientTransform(const Lanes* const y[kOut], Lanes* z) {
  for (int l = 0; l < kBlock; ++l) {
    const float y0 = (*y[0])[l], y1 = (*y[1])[l], y2 = (*y[2])[l], y3 = (*y[3])[l];
    z[0][l] = y0;
    z[1][l] = y0 + y1 + y2 + y3;
    z[2][l] = y0 - y1 + y2 - y3;
    z[3][l] = y0 + 2 * y1 + 4 * y2 + 8 * y3;
    z[4][l] = y0 - 2 * y1 + 4 * y2 - 8 * y3;
    z[5][l] = y3;
  }
}

// A dy A^T of one 4x4 block of the output's gradient, dy[row][column] (zeros past the image),
// its 36 points to z[point * stride], 8 lanes each.
TWB_AVX2 void transformOutputGradientTile(const Lanes* const dy[kOut][kOut], float* z,
                                          int64_t stride) {
  alignas(32) Lanes columns[kOut][kSide];  // A dy, stored transposed: [column][row]
  for (int c = 0; c < kOut; ++c) {
    const Lanes* column[kOut];
    for (int r = 0; r < kOut; ++r) column[r] = dy[r][c];
    outputGradientTransform(column, columns[c]);
  }
  for (int r = 0; r < kSide; ++r) {
    const Lanes* row[kOut];
    for (int c = 0; c < kOut; ++c) row[c] = &columns[c][r];
    alignas(32) Lanes transformed[kSide];
    outputGradientTransform(row, transformed);
    for (int c = 0; c < kSide; ++c)
      std::memcpy(z + (r * kSide + c) * stride, transformed[c], sizeof(Lanes));
  }
}

// G^T x of 6 values (the transpose of the filter transform G), 8 lanes each.
TWB_AVX2 inline void kernelGradientTransform(const Lanes* const x[kSide], Lanes* y) {
  constexpr float kSixth = 1.f / 6, kTwelfth = 1.f / 12, kTwentyFourth = 1.f / 24;
  for (int l = 0; l < kBlock; ++l) {
    const float x0 = (*x[0])[l], x1 = (*x[1])[l], x2 = (*x[2])[l], x3 = (*x[3])[l], x4 = (*x[4])[l],
                x5 = (*x[5])[l];
    y[0][l] = 0.25f * x0 - kSixth * (x1 + x2) + kTwentyFourth * (x3 + x4);
    y[1][l] = kSixth * (x2 - x1) + kTwelfth * (x3 - x4);
    y[2][l] = kSixth * (x3 + x4 - x1 - x2) + x5;
  }
}

// dw (k + l, c, 3, 3) for 8 output channels from their transformed gradient: point p's 8 lanes at
// du[p * stride].
template <class Sum>
TWB_AVX2 void kernelGradientTile(const Sum* du, int64_t stride, float* dw, int64_t kernelStride) {
  alignas(32) Lanes points[kPoints];
  for (int p = 0; p < kPoints; ++p)
    for (int l = 0; l < kBlock; ++l) points[p][l] = static_cast<float>(du[p * stride + l]);
  alignas(32) Lanes rows[kSide][3];  // G^T applied down each column: [column][row]
  for (int c = 0; c < kSide; ++c) {
    const Lanes* column[kSide];
    for (int r = 0; r < kSide; ++r) column[r] = &points[r * kSide + c];
    kernelGradientTransform(column, rows[c]);
  }
  for (int i = 0; i < 3; ++i) {
    const Lanes* row[kSide];
    for (int c = 0; c < kSide; ++c) row[c] = &rows[c][i];
    alignas(32) Lanes g[3];
    kernelGradientTransform(row, g);
    for (int j = 0; j < 3; ++j)
      for (int l = 0; l < kBlock; ++l) dw[l * kernelStride + i * 3 + j] = g[j][l];
  }
}
}  // namespace

int64_t WinogradConv3x3::Strides::blockAt(int64_t b) const {
  return b / perGroup * group + b % perGroup * kBlock;
}

WinogradConv3x3::Strides WinogradConv3x3::stridesOf(int64_t channels) const {
  const int64_t area = m_shape.height * m_shape.width;
  switch (m_shape.layout) {
    case Layout::channelsLast:
      return {area * channels, 0, channels / kBlock, channels};
    case Layout::blocked16:
      return {channels * area, area * 2 * kBlock, 2, 2 * kBlock};
    case Layout::blocked8:
      break;
  }
  return {channels * area, area * kBlock, 1, kBlock};
}

bool WinogradConv3x3::supports(const Shape& shape) {
  const int64_t block = shape.layout == Layout::blocked16 ? 2 * kBlock : kBlock;
  return tileProductAvailable() && shape.in % block == 0 && shape.out % block == 0 &&
         shape.height > 0 && shape.width > 0 && std::min(shape.in, shape.out) >= kFewestChannels;
}

bool WinogradConv3x3::paysInTraining(const Shape& shape) {
  const int64_t blocks =
      shape.batch * ((shape.height + kOut - 1) / kOut) * ((shape.width + kOut - 1) / kOut);
  return std::min(shape.in, shape.out) >= kFewestChannelsInTraining &&
         blocks >= kFewestBlocksInTraining;
}

WinogradConv3x3::WinogradConv3x3(const Shape& shape)
    : m_shape(shape),
      m_src(stridesOf(shape.in)),
      m_dst(stridesOf(shape.out)),
      m_tilesHigh((shape.height + kOut - 1) / kOut),
      m_tilesWide((shape.width + kOut - 1) / kOut),
      m_tiles(shape.batch * m_tilesHigh * m_tilesWide),
      m_imagesPerSum(std::max<int64_t>(1, kTilesPerSum / (m_tilesHigh * m_tilesWide))),
      m_threads(omp_get_max_threads()),
      m_group(groupOfTiles()),
      m_chunk(chunkOfWholeSums(
          kChunkBytes / static_cast<int64_t>(kPoints * sizeof(float) * (shape.in + shape.out)))),
      m_bias(static_cast<size_t>(shape.out)) {}

WinogradConv3x3::KernelView WinogradConv3x3::KernelView::plain(const float* weights, int64_t in) {
  return {weights, in * 9, 9, 3, 1};
}

WinogradConv3x3::KernelView WinogradConv3x3::KernelView::forInput(const float* weights,
                                                                  int64_t in) {
  // Element (c, k, i, j) of the input's kernel is (k, c, 2 - i, 2 - j) of the forward one, whose
  // input channels (`in`) are this kernel's outputs.
  return {weights + 8, 9, in * 9, -3, -1};
}

size_t WinogradConv3x3::transformedWeightBytes() const {
  return static_cast<size_t>(kPoints * panelCount() * m_shape.in * kPanel) * sizeof(float);
}

void WinogradConv3x3::setWeights(const KernelView& kernel, const float* bias) {
  const int64_t in = m_shape.in, out = m_shape.out, panels = panelCount();
  // Made here, not with the plan: the executor counts it with the step's values first.
  if (m_u.empty()) m_u.resize(transformedWeightBytes() / sizeof(float));
  float* u = m_u.data();
  // Panel by panel, input channels in order: each point's panel is written as one sequential
  // run of whole cache lines (input channels outermost wrote 36 x panels runs at once, and
  // 512 to 512 channels took 12.9 ms, 4 times the products of 32 tiles).
#pragma omp parallel for collapse(2) schedule(static)
  for (int64_t j = 0; j < panels; ++j)
    for (int64_t c = 0; c < in; ++c)
      for (int64_t k = j * kPanel; k < std::min(out, (j + 1) * kPanel); k += kBlock)
        transformKernels(kernel, c, k, u + (j * in + c) * kPanel + k % kPanel,
                         panels * in * kPanel);
  if (bias)
    std::copy(bias, bias + out, m_bias.begin());
  else
    std::fill(m_bias.begin(), m_bias.end(), 0.f);
}

int64_t WinogradConv3x3::groupOfTiles() const {
  // Whole rounds of groups, one per thread, of about equal size.
  const int64_t rounds = (m_tiles + m_threads * kGroupTiles - 1) / (m_threads * kGroupTiles);
  return std::max<int64_t>(1, (m_tiles + m_threads * rounds - 1) / (m_threads * rounds));
}

size_t WinogradConv3x3::scratchBytes() const {
  return static_cast<size_t>(m_threads * kPoints * m_group * (m_shape.in + m_shape.out)) *
         sizeof(float);
}

void WinogradConv3x3::run(const float* src, float* dst, float* scratch, float lo, float hi) const {
  const int64_t in = m_shape.in, out = m_shape.out, panels = panelCount();
  const int64_t groups = (m_tiles + m_group - 1) / m_group;
#pragma omp parallel num_threads(m_threads)
  {
    float* v = scratch + omp_get_thread_num() * kPoints * m_group * (in + out);
    float* m = v + kPoints * m_group * in;
#pragma omp for schedule(static)
    for (int64_t g = 0; g < groups; ++g) {
      const int64_t first = g * m_group, count = std::min(m_group, m_tiles - first);
      transformInput(src, first, count, v, kPoints * in, in);
      // The 36 products (count x in) x (in x out) on tileProduct(): each tile's outputs come out
      // the same whatever the batch.
      for (int p = 0; p < kPoints; ++p)
        tileProduct({v + p * in, kPoints * in, 1},
                    {m_u.data() + p * panels * in * kPanel, kPanel, in * kPanel},
                    {m + p * out, kPoints * out}, count, in, out);
      transformOutput(m, first, count, dst, lo, hi);
    }
  }
}

int64_t WinogradConv3x3::chunkOfWholeSums(int64_t tiles) const {
  const int64_t sum = m_imagesPerSum * m_tilesHigh * m_tilesWide;  // tiles
  return std::min(std::max(tiles / sum, int64_t{1}) * sum, m_tiles);
}

int64_t WinogradConv3x3::kernelGradientRow() const {
  // 8 elements longer than its content (a line of doubles, half a line of floats): at 64 channels
  // rows of exactly 18 KB put all rows of a product into two sets of the L1 cache.
  return panelCount() * kPoints * kPanel + 8;
}

size_t WinogradConv3x3::weightGradientScratchBytes() const {
  const int64_t in = m_shape.in, wide = panelCount() * kPanel;
  return static_cast<size_t>(in * kernelGradientRow()) * sizeof(double) +
         static_cast<size_t>(kPoints * m_chunk * (in + wide)) * sizeof(float);
}

void WinogradConv3x3::weightGradient(const float* src, const float* dy, float* scratch, float* dw,
                                     float* db) const {
  // One group of images holds the whole batch where the tiles are few (a ResNet's 4x4 layers):
  // its float sums need no double, and the transformed gradient is half the bytes.
  if (m_imagesPerSum >= m_shape.batch)
    kernelGradient<float>(src, dy, scratch, dw);
  else
    kernelGradient<double>(src, dy, scratch, dw);
  if (!db) return;
  const int64_t out = m_shape.out, area = m_shape.height * m_shape.width;
#pragma omp parallel for schedule(static)
  for (int64_t block = 0; block < out / kBlock; ++block) {
    double sum[kBlock] = {};  // in double, as the kernel's sums of groups of images
    for (int64_t n = 0; n < m_shape.batch; ++n) {
      const float* plane = dy + n * m_dst.image + m_dst.blockAt(block);
      for (int64_t i = 0; i < area; ++i)
#pragma omp simd
        for (int l = 0; l < kBlock; ++l) sum[l] += plane[i * m_dst.pixel + l];
    }
    std::copy(sum, sum + kBlock, db + block * kBlock);
  }
}

template <class Sum>
void WinogradConv3x3::kernelGradient(const float* src, const float* dy, float* scratch,
                                     float* dw) const {
  const int64_t in = m_shape.in, out = m_shape.out, panels = panelCount();
  auto* du = reinterpret_cast<Sum*>(scratch);  // (in, kernelGradientRow())
  const int64_t duRow = kernelGradientRow();
  float* v = scratch + 2 * in * duRow;
  float* z = v + kPoints * m_chunk * in;
  const int64_t sumTiles = m_imagesPerSum * m_tilesHigh * m_tilesWide;
  for (int64_t first = 0; first < m_tiles; first += m_chunk) {
    const int64_t count = std::min(m_chunk, m_tiles - first);
    transformInput(src, first, count, v, in, count * in);
    transformOutputGradient(dy, first, count, z);
    // dU_p (+)= V_p^T Z_p: (in x tiles) x (tiles x 32) per pair of panels (the widest tile) and
    // group of images.
#pragma omp parallel for collapse(2) schedule(static)
    for (int p = 0; p < kPoints; ++p)
      for (int64_t j = 0; j < panels; j += 2)
        for (int64_t t = 0; t < count; t += sumTiles)
          tileProduct({v + (p * count + t) * in, 1, in},
                      {z + ((p * panels + j) * count + t) * kPanel, kPanel, count * kPanel},
                      {du + (j * kPoints + p) * kPanel, duRow, kPoints * kPanel}, in,
                      std::min(sumTiles, count - t), std::min<int64_t>(2, panels - j) * kPanel,
                      first > 0 || t > 0);
  }
#pragma omp parallel for schedule(static)
  for (int64_t c = 0; c < in; ++c)
    for (int64_t k = 0; k < out; k += kBlock)
      kernelGradientTile(du + c * duRow + (k / kPanel) * kPoints * kPanel + k % kPanel, kPanel,
                         dw + (k * in + c) * 9, in * 9);
}

void WinogradConv3x3::transformOutputGradient(const float* dy, int64_t first, int64_t count,
                                              float* z) const {
  const int64_t out = m_shape.out, height = m_shape.height, width = m_shape.width;
  const int64_t panels = panelCount();
  static const Lanes kZero{};
  forEachBlockOfTile(
      out / kBlock, first, count, [&](int64_t block, int64_t t, const TileWalk& tile) {
        const int64_t top = tile.row * kOut, left = tile.column * kOut;
        const float* plane = dy + tile.image * m_dst.image + m_dst.blockAt(block);
        const Lanes* d[kOut][kOut];  // outputs past the image have no gradient
        for (int r = 0; r < kOut; ++r) {
          for (int c = 0; c < kOut; ++c) {
            const int64_t y = top + r, x = left + c;
            d[r][c] = y < height && x < width
                          ? reinterpret_cast<const Lanes*>(plane + (y * width + x) * m_dst.pixel)
                          : &kZero;
          }
        }
        const int64_t k = block * kBlock;
        transformOutputGradientTile(d, z + ((k / kPanel) * count + t) * kPanel + k % kPanel,
                                    panels * count * kPanel);
      });
}

void WinogradConv3x3::transformInput(const float* src, int64_t first, int64_t count, float* v,
                                     int64_t tileStride, int64_t pointStride) const {
  const int64_t in = m_shape.in, height = m_shape.height, width = m_shape.width;
  static const Lanes kZero{};
  forEachBlockOfTile(
      in / kBlock, first, count, [&](int64_t block, int64_t t, const TileWalk& tile) {
        const int64_t top = tile.row * kOut - 1, left = tile.column * kOut - 1;
        const float* plane = src + tile.image * m_src.image + m_src.blockAt(block);
        const Lanes* d[kSide][kSide];  // the tile, zeros outside the image (the padding)
        for (int r = 0; r < kSide; ++r) {
          for (int c = 0; c < kSide; ++c) {
            const int64_t y = top + r, x = left + c;
            d[r][c] = y >= 0 && y < height && x >= 0 && x < width
                          ? reinterpret_cast<const Lanes*>(plane + (y * width + x) * m_src.pixel)
                          : &kZero;
          }
        }
        transformInputTile(d, v + t * tileStride + block * kBlock, pointStride);
      });
}

void WinogradConv3x3::transformOutput(const float* m, int64_t first, int64_t count, float* dst,
                                      float lo, float hi) const {
  const int64_t out = m_shape.out, height = m_shape.height, width = m_shape.width;
  forEachBlockOfTile(
      out / kBlock, first, count, [&](int64_t block, int64_t t, const TileWalk& tile) {
        const int64_t top = tile.row * kOut, left = tile.column * kOut;
        float* plane = dst + tile.image * m_dst.image + m_dst.blockAt(block);
        transformOutputTile(
            m + t * kPoints * out + block * kBlock, out, m_bias.data() + block * kBlock, lo, hi,
            static_cast<int>(std::min<int64_t>(kOut, height - top)),
            static_cast<int>(std::min<int64_t>(kOut, width - left)), width * m_dst.pixel,
            m_dst.pixel, plane + (top * width + left) * m_dst.pixel);
      });
}

template <class Body>
void WinogradConv3x3::forEachBlockOfTile(int64_t blocks, int64_t first, int64_t count,
                                         const Body& body) const {
  // (tile, block) pairs [begin, end), channel blocks innermost, so the transformed tile is written
  // in whole cache lines; tiles are walked, not divided.
  const int64_t total = blocks * count;
  const auto walk = [&](int64_t begin, int64_t end) {
    int64_t t = begin / blocks, block = begin % blocks;
    TileWalk tile(first + t, m_tilesHigh, m_tilesWide);
    for (int64_t i = begin; i < end; ++i) {
      body(block, t, tile);
      if (++block == blocks) {
        block = 0;
        ++t;
        tile.next();
      }
    }
  };
  // A thread of run()'s pass does all of its group (a nested parallel region costs per call).
  if (omp_in_parallel()) return walk(0, total);
#pragma omp parallel
  {
    const int64_t threads = omp_get_num_threads(), id = omp_get_thread_num();
    walk(total * id / threads, total * (id + 1) / threads);
  }
}

}  // namespace twb
