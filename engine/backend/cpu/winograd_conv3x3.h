#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "backend/cpu/tile_product.h"

namespace twb {

// A 3x3 convolution with stride 1 and padding 1 by Winograd's minimal filtering F(4x4, 3x3)
// (Lavin and Gray, 2015): each 4x4 block of outputs costs 36 multiplications per input and
// output channel instead of 144, as 36 independent matrix products (tiles x in) x (in x out)
// between a transform of the input's 6x6 tiles and one of the products. It rounds more than a
// direct sum (about 1e-5 of the largest output per layer). oneDNN 2.x has Winograd only on
// AVX-512; on AVX2 its direct kernel runs ResNet-50's deeper 3x3 layers at 55-75 % of its
// matmul peak. A convolution's backward pass to its input is the same kind of convolution, from
// the output's gradient with the kernel flipped and its channels swapped (weightsForInput()).
// Source and destination are in the layout oneDNN's convolutions chain in on the CPU, so that
// no reorder comes between them: nChw8c (blocks of 8 channels innermost) on AVX2, NHWC in
// inference on AVX-512 (oneDNN 2.6's brgconv kernels; the two reorders cost about 10 ms of
// ResNet-50's 375 ms step there), nChw16c in training there (copies of the input and its
// gradient at each stage's first block took 14 % of resnet18-cifar's memory). In each, 8
// channels of one pixel are contiguous, and the transforms load and store such blocks.
class WinogradConv3x3 {
 public:
  enum class Layout { blocked8, blocked16, channelsLast };  // nChw8c, nChw16c, NHWC
  struct Shape {
    int64_t batch = 0, in = 0, out = 0, height = 0, width = 0;
    Layout layout = Layout::blocked8;
  };
  // Whether the shape fits its layout: both channel counts in whole blocks of 8 (of 16 in
  // nChw16c, which would pad the rest).
  static bool supports(const Shape& shape);
  // Whether it is faster than oneDNN's direct kernel in training, where the kernel is transformed
  // at every forward and two passes follow: with at least 64 channels in and out and 128 blocks
  // of 4x4 outputs (the batch times the image's).
  static bool paysInTraining(const Shape& shape);

  // Where the kernel's element (out channel, in channel, row, column) is, in floats from `base`.
  struct KernelView {
    const float* base = nullptr;
    int64_t out = 0, in = 0, row = 0, column = 0;
    // A plain (out, in, 3, 3) f32 kernel.
    static KernelView plain(const float* weights, int64_t in);
    // The kernel that computes the gradient of a convolution's input from its output's: a plain
    // (out, in, 3, 3) kernel of that convolution read flipped and with its channels swapped.
    static KernelView forInput(const float* weights, int64_t in);
  };

  explicit WinogradConv3x3(const Shape& shape);
  const Shape& shape() const { return m_shape; }
  // Transforms the kernel and copies `bias` (out; null: zeros), in parallel: once for inference
  // on fixed weights, at every forward where they change. The first call makes the transformed
  // kernel's memory, transformedWeightBytes().
  void setWeights(const KernelView& kernel, const float* bias);
  // What the transformed kernel holds: 36 points of each 3x3 kernel, 4 times the weights (output
  // channels rounded up to whole panels).
  size_t transformedWeightBytes() const;
  // Bytes of scratch memory run() needs: the transformed input and products of a chunk of tiles.
  size_t scratchBytes() const;
  // dst = min(max(conv(src) + bias, lo), hi), both in the shape's layout; `scratch` holds
  // scratchBytes(), 64-byte aligned.
  void run(const float* src, float* dst, float* scratch, float lo, float hi) const;

  // Bytes of scratch memory weightGradient() needs: the transformed kernels' gradient and a chunk
  // of transformed tiles of the input and of the output's gradient.
  size_t weightGradientScratchBytes() const;
  // The gradients of the kernel, dw (out, in, 3, 3) plain, and of the bias, db (out; null: none),
  // from the input src and the output's gradient dy, laid out as for run(). In the transformed
  // domain each point's gradient is a product over the tiles, (in x tiles) x (tiles x out), of the
  // input's transform and the output gradient's (A dy A^T); G^T (that) G brings it back to 3x3.
  void weightGradient(const float* src, const float* dy, float* scratch, float* dw,
                      float* db) const;

 private:
  // A 4x4 block of outputs, by image and position, walked in order without a division per step.
  struct TileWalk {
    TileWalk(int64_t tile, int64_t high, int64_t wide)
        : image(tile / (high * wide)),
          row(tile % (high * wide) / wide),
          column(tile % wide),
          high(high),
          wide(wide) {}
    void next() {
      if (++column < wide) return;
      column = 0;
      if (++row < high) return;
      row = 0;
      ++image;
    }
    int64_t image, row, column, high, wide;
  };
  // Calls body(block, t, tile) for every channel block and tile first + t, t < count: in
  // parallel, or all on the calling thread when it is one of a parallel region's.
  template <class Body>
  void forEachBlockOfTile(int64_t blocks, int64_t first, int64_t count, const Body& body) const;
  // Tiles [first, first + count) of the batch into v, tile t's point p at v[t * tileStride +
  // p * pointStride]: (count, 36, in) for run(), so a tile's transform writes one region and the
  // products read rows 36 * in apart; (36, count, in) for weightGradient(), whose products read
  // each point's tiles in order.
  void transformInput(const float* src, int64_t first, int64_t count, float* v, int64_t tileStride,
                      int64_t pointStride) const;
  // The same tiles of the output's gradient, A dy A^T (zeros past the image), into z (36, panels,
  // count, 16): each point's (count x out) matrix in panels of 16 columns, as m_u.
  void transformOutputGradient(const float* dy, int64_t first, int64_t count, float* z) const;
  // Products m (count, 36, out) of the same tiles back to 4x4 blocks of dst.
  void transformOutput(const float* m, int64_t first, int64_t count, float* dst, float lo,
                       float hi) const;

  // Where a block of 8 channels of a pixel is, in floats: image n, block b and pixel
  // (y, x) at n * image + blockAt(b) + (y * width + x) * pixel, the blocks of 8 in groups of
  // `perGroup` (2 in nChw16c; all of a pixel's in NHWC), a group's blocks side by side.
  struct Strides {
    int64_t image = 0, group = 0, perGroup = 1, pixel = 0;
    int64_t blockAt(int64_t b) const;
  };
  Strides stridesOf(int64_t channels) const;

  Shape m_shape;
  Strides m_src, m_dst;  // of the input (in channels) and the output (out channels)
  // weightGradient()'s kernel part, its transformed-domain sums in Sum (float or double).
  template <class Sum>
  void kernelGradient(const float* src, const float* dy, float* scratch, float* dw) const;
  // The kernel's gradient in the transformed domain is (in, panels, 36, 16), rows of
  // this length: a panel's 36 points of one input channel together, so the transform back reads
  // one sequential run per channel (points outermost, it read 36 runs 2 MB apart at 512
  // channels and took longer than the products).
  int64_t kernelGradientRow() const;
  // Tiles per group of run(): at most kGroupTiles, the same for every thread.
  int64_t groupOfTiles() const;
  // `tiles` rounded down to whole groups of m_imagesPerSum images (at least one), at most all.
  int64_t chunkOfWholeSums(int64_t tiles) const;

  int64_t m_tilesHigh = 0, m_tilesWide = 0, m_tiles = 0;
  int64_t m_imagesPerSum = 1;  // images whose tiles the kernel gradient sums in float
  int m_threads = 1;           // run()'s threads, each with its share of the scratch
  int64_t m_group = 0;         // tiles a thread of run() takes at a time
  int64_t m_chunk = 0;         // tiles per pass of the kernel's gradient (kChunkBytes)
  // Transformed weights: per point, the (in x out) matrix in panels of 16 output channels, each
  // (in x 16) contiguous (zeros past out), so a product streams one panel instead of reading rows
  // of a power-of-two stride, which fall into a few sets of the L1 cache.
  static constexpr int64_t kPanel = kPanelColumns;
  int64_t panelCount() const { return (m_shape.out + kPanel - 1) / kPanel; }
  std::vector<float> m_u;     // (36, panels, in, 16)
  std::vector<float> m_bias;  // (out)
};

}  // namespace twb
