#include "exec/precision_policy.h"

#include <set>

#include "core/error.h"

namespace twb {

Precision parsePrecision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  throw Error("unknown precision '" + name + "' (expected fp32 or bf16)");
}

OpPrecision opPrecision(const std::string& op, Precision precision) {
  static const std::set<std::string> kBf16{"Linear", "Conv2d", "Add", "Concat"};
  static const std::set<std::string> kFollowInput{
      "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "BatchNorm2d", "ReLU", "GELU",
      "Sigmoid",   "Tanh",      "Dropout",       "Flatten",     "Reshape"};
  if (kFollowInput.count(op)) return {DType::f32, true};
  if (precision == Precision::bf16 && kBf16.count(op)) return {DType::bf16, false};
  return {DType::f32, false};  // Softmax, SoftmaxCrossEntropy, MSE and fp32 runs
}

DType outputType(const std::string& op, DType compute, bool isModelOutput) {
  return isModelOutput && op == "Linear" ? DType::f32 : compute;
}

}  // namespace twb
