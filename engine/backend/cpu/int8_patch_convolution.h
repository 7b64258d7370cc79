#pragma once

#include <dnnl.hpp>
#include <memory>
#include <string>
#include <vector>

#include "backend/cpu/convolution_patches.h"
#include "backend/cpu/cpu_kernel.h"

namespace twb {

// An int8 convolution of few input channels as oneDNN's 1x1 convolution over its input's patches
// (convolution_patches.h), an image at a time, in place of the direct convolution: in the layouts
// the direct one reads and writes (NHWC), with its scales, bias and post-ops, so its neighbours
// do not change. One image's patches sit at the start of the scratchpad.
class Int8PatchConvolution {
 public:
  // The patch form of `node`, whose direct convolution is `direct` with attributes `attr`; null
  // where it does not apply (groups, dilation, layouts other than NHWC, what
  // ConvolutionPatches::supports() refuses, or only oneDNN's reference kernel for the 1x1 form).
  static std::unique_ptr<Int8PatchConvolution> choose(
      const GraphNode& node, const dnnl::convolution_forward::primitive_desc& direct,
      const dnnl::primitive_attr& attr, bool hasBias);

  // The scratchpad it uses: one image's patches, then the 1x1 convolution's own.
  size_t scratchpadBytes() const;
  // Quantizes `weights` (plain f32, (OC, IC, KH, KW)) to s8 once, laid out as the patches' rows
  // ((ky, kx, c), then zeros), and binds one 1x1 convolution an image from `src` into `dst`.
  // `bias`: already in the accumulator's units (KernelQuant::scaledBias); empty when none.
  void bind(const dnnl::memory& src, const dnnl::memory& weights,
            const std::vector<float>& weightScales, const dnnl::memory& bias,
            const dnnl::memory& dst, uint8_t* scratchpad);
  void run(dnnl::stream& stream) const;
  // "patches + " and the name of oneDNN's kernel for the 1x1 form.
  std::string name() const;

 private:
  Int8PatchConvolution(const ConvolutionPatches::Shape& shape,
                       dnnl::convolution_forward::primitive_desc image)
      : m_patches(shape), m_image(std::move(image)) {}
  size_t patchBytes() const { return (m_patches.imageBytes() + 63) / 64 * 64; }

  ConvolutionPatches m_patches;
  dnnl::convolution_forward::primitive_desc m_image;  // one image's 1x1 convolution
  std::vector<BoundPrimitive> m_steps;                // one per image
  const uint8_t* m_source = nullptr;
  size_t m_sourceBytes = 0;  // an image's
  uint8_t* m_rows = nullptr;
};

}  // namespace twb
