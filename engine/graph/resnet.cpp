#include "graph/resnet.h"

#include "core/error.h"
#include "graph/spec_builder.h"

namespace twb {

namespace {
class ResNetBuilder : public SpecBuilder {
 public:
  explicit ResNetBuilder(ModelSpec& spec) : SpecBuilder(spec) {}

  // conv (no bias) -> BatchNorm2d [-> ReLU]; returns the last node's name.
  std::string convBn(const std::string& name, const std::string& input, int64_t channels,
                     int64_t kernel, int64_t stride, bool relu) {
    add(name, "Conv2d", {input},
        {{"out_channels", channels},
         {"kernel", kernel},
         {"stride", stride},
         {"padding", kernel / 2},
         {"bias", false}});
    add(name + "_bn", "BatchNorm2d", {name});
    if (!relu) return name + "_bn";
    add(name + "_relu", "ReLU", {name + "_bn"});
    return name + "_relu";
  }

  // A residual block: the branch plus the shortcut (a 1x1 projection when the shape changes),
  // then ReLU.
  std::string block(const std::string& name, const std::string& input, int64_t inChannels,
                    int64_t width, int64_t stride, bool bottleneck) {
    std::string branch;
    int64_t outChannels = width;
    if (bottleneck) {
      outChannels = width * 4;
      branch = convBn(name + "_conv1", input, width, 1, 1, true);
      branch = convBn(name + "_conv2", branch, width, 3, stride, true);
      branch = convBn(name + "_conv3", branch, outChannels, 1, 1, false);
    } else {
      branch = convBn(name + "_conv1", input, width, 3, stride, true);
      branch = convBn(name + "_conv2", branch, width, 3, 1, false);
    }
    std::string shortcut = input;
    if (stride != 1 || inChannels != outChannels)
      shortcut = convBn(name + "_down", input, outChannels, 1, stride, false);
    add(name + "_add", "Add", {branch, shortcut});
    add(name + "_out", "ReLU", {name + "_add"});
    return name + "_out";
  }
};
}  // namespace

ModelSpec makeResNet(int depth, bool cifar, const Shape& input, int64_t classes) {
  std::vector<int> blocks;
  bool bottleneck = false;
  if (depth == 18)
    blocks = {2, 2, 2, 2};
  else if (depth == 34)
    blocks = {3, 4, 6, 3};
  else if (depth == 50)
    blocks = {3, 4, 6, 3}, bottleneck = true;
  else
    throw Error("ResNet depth " + std::to_string(depth) + " is not 18, 34 or 50");

  ModelSpec spec;
  spec.name = "resnet" + std::to_string(depth) + (cifar ? "-cifar" : "");
  spec.inputs = {{"image", input, DType::f32}};
  ResNetBuilder b(spec);
  std::string x;
  if (cifar) {
    x = b.convBn("stem", "image", 64, 3, 1, true);
  } else {
    x = b.convBn("stem", "image", 64, 7, 2, true);
    b.add("stem_pool", "MaxPool2d", {x}, {{"kernel", 3}, {"stride", 2}, {"padding", 1}});
    x = "stem_pool";
  }
  int64_t channels = 64;
  const int64_t widths[] = {64, 128, 256, 512};
  for (int stage = 0; stage < 4; ++stage) {
    for (int i = 0; i < blocks[stage]; ++i) {
      const int64_t stride = stage > 0 && i == 0 ? 2 : 1;
      const std::string name = "layer" + std::to_string(stage + 1) + "_" + std::to_string(i);
      x = b.block(name, x, channels, widths[stage], stride, bottleneck);
      channels = widths[stage] * (bottleneck ? 4 : 1);
    }
  }
  b.add("pool", "GlobalAvgPool", {x});
  b.add("logits", "Linear", {"pool"}, {{"out_features", classes}});
  spec.outputs = {"logits"};
  return spec;
}

}  // namespace twb
