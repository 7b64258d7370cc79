#include "graph/mobilenet.h"

#include <algorithm>
#include <cmath>

#include "graph/spec_builder.h"

namespace twb {

namespace {
// torchvision's _make_divisible: the nearest multiple of 8, never more than 10 % below.
int64_t divisibleBy8(double channels) {
  const int64_t rounded = std::max<int64_t>(8, (static_cast<int64_t>(channels + 4) / 8) * 8);
  return rounded < 0.9 * channels ? rounded + 8 : rounded;
}

class MobileNetBuilder : public SpecBuilder {
 public:
  explicit MobileNetBuilder(ModelSpec& spec) : SpecBuilder(spec) {}

  // conv (no bias) -> BatchNorm2d [-> ReLU6]; returns the last node's name.
  std::string convBn(const std::string& name, const std::string& input, int64_t channels,
                     int64_t kernel, int64_t stride, int64_t groups, bool relu6) {
    add(name, "Conv2d", {input},
        {{"out_channels", channels},
         {"kernel", kernel},
         {"stride", stride},
         {"padding", kernel / 2},
         {"groups", groups},
         {"bias", false}});
    add(name + "_bn", "BatchNorm2d", {name});
    if (!relu6) return name + "_bn";
    add(name + "_relu6", "ReLU6", {name + "_bn"});
    return name + "_relu6";
  }

  std::string invertedResidual(const std::string& name, const std::string& input,
                               int64_t inChannels, int64_t outChannels, int64_t stride,
                               int64_t expansion) {
    const int64_t hidden = inChannels * expansion;
    std::string x = input;
    if (expansion != 1) x = convBn(name + "_expand", x, hidden, 1, 1, 1, true);
    x = convBn(name + "_dw", x, hidden, 3, stride, hidden, true);
    x = convBn(name + "_project", x, outChannels, 1, 1, 1, false);
    if (stride != 1 || inChannels != outChannels) return x;
    add(name + "_add", "Add", {x, input});
    return name + "_add";
  }
};

struct Stage {
  int64_t expansion, channels, blocks, stride;
};
}  // namespace

ModelSpec makeMobileNetV2Cifar(const Shape& input, int64_t classes, double width, double dropout) {
  // The paper's table 2, with the CIFAR form's stride 1 for the 24-channel stage.
  const Stage stages[] = {{1, 16, 1, 1}, {6, 24, 2, 1},  {6, 32, 3, 2}, {6, 64, 4, 2},
                          {6, 96, 3, 1}, {6, 160, 3, 2}, {6, 320, 1, 1}};
  ModelSpec spec;
  spec.name = "mobilenet-v2-cifar";
  spec.inputs.push_back({"image", input, DType::f32});
  MobileNetBuilder b(spec);
  int64_t channels = divisibleBy8(32 * width);
  std::string x = b.convBn("stem", "image", channels, 3, 1, 1, true);
  int index = 0;
  for (const Stage& s : stages) {
    const int64_t out = divisibleBy8(s.channels * width);
    for (int64_t i = 0; i < s.blocks; ++i) {
      x = b.invertedResidual("block" + std::to_string(++index), x, channels, out,
                             i == 0 ? s.stride : 1, s.expansion);
      channels = out;
    }
  }
  x = b.convBn("head", x, divisibleBy8(1280 * std::max(1.0, width)), 1, 1, 1, true);
  b.add("pool", "GlobalAvgPool", {x});
  x = "pool";
  if (dropout > 0) {
    b.add("drop", "Dropout", {x}, {{"p", dropout}});
    x = "drop";
  }
  b.add("logits", "Linear", {x}, {{"out_features", classes}});
  spec.outputs = {"logits"};
  return spec;
}

}  // namespace twb
