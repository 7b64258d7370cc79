#pragma once

#include "data/image_file.h"

namespace twb {

// Scales `image` so it covers height x width, keeping its aspect ratio, and takes the centre
// (torchvision's Resize then CenterCrop, with PIL's antialiased bilinear filter). The filter is a
// triangle as wide as a source pixel or an output pixel, whichever is wider, so shrinking averages
// instead of aliasing; an image already of the size is copied exactly. Writes channels x height x
// width floats in [0, 1].
void resizeAndCrop(const Image& image, int64_t height, int64_t width, float* chw);

}  // namespace twb
