#pragma once

#include "graph/model_spec.h"

namespace twb {

// MobileNetV2 (Sandler et al. 2018) in its CIFAR form: a 3x3/1 stem and stride 1 in the 24-channel
// stage, so 32x32 inputs end at 4x4. Inverted residual blocks: 1x1 expansion (x6), 3x3
// depthwise, 1x1 linear projection, each convolution without bias and followed by BatchNorm,
// ReLU6 after the first two; a shortcut where the shape stays. `width` scales every channel
// count (torchvision's width_mult, rounded to multiples of 8); the head is a 1x1 convolution to
// 1280, GlobalAvgPool, Dropout(`dropout`) and Linear.
ModelSpec makeMobileNetV2Cifar(const Shape& input, int64_t classes, double width, double dropout);

}  // namespace twb
