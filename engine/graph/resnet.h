#pragma once

#include <string>

#include "graph/model_spec.h"

namespace twb {

// ResNet (He et al. 2015; torchvision's v1.5: stride on the bottleneck's 3x3 conv) for depth
// 18, 34 or 50. The ImageNet form has a 7x7/2 stem and a 3x3/2 max pool for 224x224 inputs;
// the CIFAR form a 3x3/1 stem and no pool, for 32x32 inputs. Convolutions carry no bias (a
// BatchNorm follows each); the head is GlobalAvgPool then Linear.
ModelSpec makeResNet(int depth, bool cifar, const Shape& input, int64_t classes);

}  // namespace twb
