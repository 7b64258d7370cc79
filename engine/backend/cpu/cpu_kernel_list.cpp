#include <map>

#include "backend/cpu/cpu_kernels.h"
#include "core/error.h"

namespace twb {

std::unique_ptr<CpuKernel> makeCpuKernel(const std::string& op) {
  using Factory = std::unique_ptr<CpuKernel> (*)();
  static const std::map<std::string, Factory> kernels{
      {"Linear", makeCpuLinear},
      {"Conv2d", makeCpuConv2d},
      {"MaxPool2d", makeCpuPooling},
      {"AvgPool2d", makeCpuPooling},
      {"GlobalAvgPool", makeCpuPooling},
      {"BatchNorm2d", makeCpuBatchNorm},
      {"ReLU", makeCpuActivation},
      {"GELU", makeCpuActivation},
      {"Sigmoid", makeCpuActivation},
      {"Tanh", makeCpuActivation},
      {"Dropout", makeCpuDropout},
      {"Flatten", makeCpuReshape},
      {"Reshape", makeCpuReshape},
      {"Add", makeCpuAdd},
      {"Concat", makeCpuConcat},
      {"Softmax", makeCpuSoftmax},
      {"SoftmaxCrossEntropy", makeCpuSoftmaxCrossEntropy},
      {"MSE", makeCpuMse},
  };
  auto it = kernels.find(op);
  if (it == kernels.end()) throw Error("op '" + op + "' has no CPU kernel");
  return it->second();
}

}  // namespace twb
