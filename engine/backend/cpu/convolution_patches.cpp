#include "backend/cpu/convolution_patches.h"

#include <cstring>

#include "backend/cpu/int8_without_vnni.h"

namespace twb {

bool ConvolutionPatches::supports(const Shape& shape) {
  return int8WithoutVnni() && shape.in < 4 &&
         shape.in * shape.kernelHeight * shape.kernelWidth >= kLeastRow;
}

void ConvolutionPatches::extract(const uint8_t* src, uint8_t* dst) const {
  const Shape& s = m_shape;
  const int64_t span = s.kernelWidth * s.in;  // one kernel row's bytes, contiguous in NHWC
  const int64_t row = rowBytes();
#pragma omp parallel for
  for (int64_t oy = 0; oy < s.outHeight; ++oy)
    for (int64_t ox = 0; ox < s.outWidth; ++ox) {
      uint8_t* patch = dst + (oy * s.outWidth + ox) * row;
      const int64_t x0 = ox * s.strideX - s.padLeft;
      const bool inside = x0 >= 0 && x0 + s.kernelWidth <= s.width;
      for (int64_t ky = 0; ky < s.kernelHeight; ++ky) {
        uint8_t* out = patch + ky * span;
        const int64_t y = oy * s.strideY - s.padTop + ky;
        if (y < 0 || y >= s.height) {
          std::memset(out, 0, static_cast<size_t>(span));
          continue;
        }
        const uint8_t* line = src + y * s.width * s.in;
        if (inside) {
          std::memcpy(out, line + x0 * s.in, static_cast<size_t>(span));
          continue;
        }
        for (int64_t kx = 0; kx < s.kernelWidth; ++kx) {
          const int64_t x = x0 + kx;
          if (x < 0 || x >= s.width)
            std::memset(out + kx * s.in, 0, static_cast<size_t>(s.in));
          else
            std::memcpy(out + kx * s.in, line + x * s.in, static_cast<size_t>(s.in));
        }
      }
      std::memset(patch + s.kernelHeight * span, 0,
                  static_cast<size_t>(row - s.kernelHeight * span));
    }
}

}  // namespace twb
