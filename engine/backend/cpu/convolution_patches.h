#pragma once

#include <cstddef>
#include <cstdint>

namespace twb {

// The patches of an int8 convolution's input, one row per output pixel: for an image (NHWC, one
// byte an element), row (oy, ox) holds the input under the kernel at that pixel in (ky, kx, c)
// order, zeros where the kernel overhangs the padding, and zeros up to a multiple of 4 bytes.
// A 1x1 convolution of those rows with the kernel laid out the same way is the convolution
// itself. For first layers of few channels (an image's 3): oneDNN's int8 kernels multiply
// channels in groups of 4, so the 7x7 stem of ResNet-50 multiplies 196 values a pixel where 147
// count, while its 1x1 kernel over 148-byte rows wastes one (25.1 against 28.2 ms at batch 16 on
// an AVX2 EPYC at 2 threads, the patches' copies included).
class ConvolutionPatches {
 public:
  struct Shape {
    int64_t in = 0, height = 0, width = 0;      // the input's channels and size
    int64_t kernelHeight = 0, kernelWidth = 0;  // dilation 1
    int64_t strideY = 1, strideX = 1, padTop = 0, padLeft = 0;
    int64_t outHeight = 0, outWidth = 0;
  };
  // Whether the patches are the faster form: on a CPU without VNNI (int8_without_vnni.h; with it
  // the direct kernel does not pad channels to 4), fewer than 4 channels, and
  // at least kLeastRow values under the kernel. With fewer the convolution is bound by memory,
  // not by its multiplies, and the patches only add copies: cnn-small's first layer (1 channel,
  // 3x3) took 1.37 ms against the direct kernel's 0.81 at batch 64.
  static bool supports(const Shape& shape);
  static constexpr int64_t kLeastRow = 64;

  explicit ConvolutionPatches(const Shape& shape) : m_shape(shape) {}
  int64_t rowBytes() const {
    return (m_shape.in * m_shape.kernelHeight * m_shape.kernelWidth + 3) / 4 * 4;
  }
  size_t imageBytes() const {
    return static_cast<size_t>(m_shape.outHeight * m_shape.outWidth * rowBytes());
  }
  // The patches of one image `src` (height, width, in) into `dst` (imageBytes()), on all threads.
  void extract(const uint8_t* src, uint8_t* dst) const;

 private:
  Shape m_shape;
};

}  // namespace twb
