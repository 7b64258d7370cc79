#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace twb {

// An int8 3x3 convolution with stride 1 and padding 1 by Winograd's F(2x2, 3x3) in integers, for
// CPUs without VNNI. There oneDNN multiplies u8 by s8 in pairs summed in s16 (vpmaddubsw), then
// widens to s32: 16 products a cycle, no more than s16 pairs summed into s32 (vpmaddwd) give.
// F(2x2, 3x3) needs 16 products per 2x2 block of outputs instead of 36, and its transforms keep
// every value in s16: an input tile's transform B^T d B adds at most four pixels twice (|v| <= 1020
// for u8), the kernel's (2G) g (2G)^T at most nine weights (|u| <= 1143), so the products are exact
// and A^T m A is 4 times the direct convolution's sum, exactly (intermediate sums may wrap in s32;
// the result does not). The epilogue is oneDNN's: dst = scale[oc] * (acc + bias[oc]), clamped,
// rounded to nearest even and saturated. Source and destination are NHWC, as oneDNN's AVX2 int8
// kernels take them.
class WinogradInt8Conv3x3 {
 public:
  enum class Type { u8, s8, f32 };
  struct Shape {
    int64_t batch = 0, in = 0, out = 0, height = 0, width = 0;
    Type src = Type::u8, dst = Type::u8;  // src is u8 or s8
  };
  // Whether this CPU has AVX2 and lacks VNNI (with VNNI the direct kernel multiplies four pairs a
  // lane at once and is the faster), and both channel counts are whole blocks of 16.
  static bool supports(const Shape& shape);

  explicit WinogradInt8Conv3x3(const Shape& shape);
  const Shape& shape() const { return m_shape; }
  // The kernel, s8 (out, in, 3, 3) plain, the bias in accumulator units (acc + bias; null:
  // none) and the scales from accumulator to output units, per output channel. Once: for
  // inference on fixed weights.
  void setWeights(const int8_t* weights, const float* bias, const float* scales);
  // Bytes of scratch memory run() needs, for every thread.
  size_t scratchBytes() const;
  // dst = saturate(round(min(max(scale * (conv(src) + bias), lo), hi))), f32 outputs unrounded.
  // `scratch` holds scratchBytes(), 64-byte aligned.
  void run(const void* src, void* dst, void* scratch, float lo, float hi) const;

 private:
  // Tiles [first, first + count) of the batch, transformed, into v (16, count, in).
  void transformInput(const uint8_t* src, int64_t first, int64_t count, int16_t* v) const;
  // The products of the same tiles with panel `panel` of the kernel, into m (count, 16, 16).
  void multiply(const int16_t* v, int64_t count, int64_t panel, int32_t* m) const;
  // m's 16 output channels of the panel back to 2x2 blocks of dst.
  void transformOutput(const int32_t* m, int64_t first, int64_t count, int64_t panel, void* dst,
                       float lo, float hi) const;
  int64_t groupOfTiles() const;

  Shape m_shape;
  int64_t m_tilesHigh = 0, m_tilesWide = 0, m_tiles = 0;
  int m_threads = 1;
  int64_t m_group = 0;  // tiles a thread takes at a time
  // Transformed kernel: per panel of 16 output channels and point, (in / 2) pairs of input
  // channels, each 16 output channels x 2 s16 (the layout vpmaddwd multiplies): (panels, 16,
  // in / 2, 16, 2).
  std::vector<int16_t> m_u;
  std::vector<float> m_bias, m_scales;  // (out)
  std::vector<uint8_t> m_zeros;         // a pixel of padding: in zero bytes
};

}  // namespace twb
