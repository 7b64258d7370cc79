#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace twb {

// An int8 3x3 convolution with padding 1, by Winograd's F(4x4, 3x3) in integers at stride 1, for
// CPUs without VNNI. There oneDNN multiplies u8 by s8 in pairs summed in s16 (vpmaddubsw), then
// widens to s32: 16 products a cycle, no more than s16 pairs summed into s32 (vpmaddwd) give.
// F(4x4, 3x3) needs 36 products per 4x4 block of outputs instead of 144. Its input transform
// B^T d B keeps a tile of u8 or s8 pixels in s16 (|v| <= 17 340), and the kernel's transform does
// too once G's rows are scaled to integers (D G g G^T D with D = diag(4, 6, 6, 24, 24, 1): |u| <=
// 49 x 128). The products are exact; they are summed in s32 over 64 input channels at a time (74
// at most cannot overflow) and then in double, where the output transform, A^T diag(24 / D) m
// diag(24 / D) A, is exact as well and gives 576 times the direct convolution's sum. So the
// results are the direct sum's, bit for bit, where oneDNN's direct kernel would saturate. The
// epilogue is oneDNN's: dst = scale[oc] * (acc + bias[oc]), clamped, rounded to nearest even and
// saturated. With stride 2 it runs the convolution as four stride-1 ones on the input's phases,
// by F(2, 2) (StrideTwo in the source): 25 products per 2x2 outputs instead of 36, exact in s32.
// Source and destination are NHWC, as oneDNN's AVX2 int8 kernels take them.
class WinogradInt8Conv3x3 {
 public:
  enum class Type { u8, s8, f32 };
  struct Shape {
    int64_t batch = 0, in = 0, out = 0, height = 0, width = 0;  // height, width: the input's
    Type src = Type::u8, dst = Type::u8;                        // src is u8 or s8
    int stride = 1;                                             // 1 or 2; padding is 1
  };
  // Whether this CPU has AVX2 and lacks VNNI (int8_without_vnni.h), both channel counts are whole
  // blocks of 16, and at stride 2
  // the polyphase form multiplies at most 80 % of the direct kernel's products.
  static bool supports(const Shape& shape);

  explicit WinogradInt8Conv3x3(const Shape& shape);
  const Shape& shape() const { return m_shape; }
  const char* name() const;  // the algorithm, as the profile names kernels
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
  // Tiles [first, first + count) of the batch, transformed, into v (points, count, in).
  template <class Scheme>
  void transformInput(const uint8_t* src, int64_t first, int64_t count, int16_t* v) const;
  // The products of the same tiles with panel `panel` of the kernel, into m (count, points, 16).
  template <class Scheme>
  void multiply(const int16_t* v, int64_t count, int64_t panel, double* m) const;
  // m's 16 output channels of the panel back to their blocks of dst.
  template <class Scheme>
  void transformOutput(const double* m, int64_t first, int64_t count, int64_t panel, void* dst,
                       float lo, float hi) const;
  template <class Scheme>
  void runWith(const void* src, void* dst, void* scratch, float lo, float hi) const;
  int64_t groupOfTiles() const;
  int64_t transformedInputBytes() const;  // v's part of a thread's scratch

  Shape m_shape;
  int64_t m_points = 0;  // of the transformed domain: 36 for stride 1, 25 for stride 2
  int64_t m_outHeight = 0, m_outWidth = 0;
  int64_t m_tilesHigh = 0, m_tilesWide = 0, m_tiles = 0;
  int m_threads = 1;
  int64_t m_group = 0;  // tiles a thread takes at a time
  // Transformed kernel: per panel of 16 output channels and point, (in / 2) pairs of input
  // channels, each 16 output channels x 2 s16 (the layout vpmaddwd multiplies): (panels,
  // points, in / 2, 16, 2).
  std::vector<int16_t> m_u;
  std::vector<float> m_bias, m_scales;  // (out)
  std::vector<uint8_t> m_zeros;         // a pixel of padding: in zero bytes
};

}  // namespace twb
