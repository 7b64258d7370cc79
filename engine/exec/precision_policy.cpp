#include "exec/precision_policy.h"

#include <set>

#include "core/error.h"

namespace twb {

Precision parsePrecision(const std::string& name) {
  if (name == "fp32") return Precision::fp32;
  if (name == "bf16") return Precision::bf16;
  if (name == "int8") return Precision::int8;
  throw Error("unknown precision '" + name + "' (expected fp32, bf16 or int8)");
}

const char* precisionName(Precision precision) {
  switch (precision) {
    case Precision::fp32: return "fp32";
    case Precision::bf16: return "bf16";
    case Precision::int8: return "int8";
  }
  return "?";
}

OpPrecision opPrecision(const std::string& op, Precision precision) {
  static const std::set<std::string> kBf16{"Linear", "Conv2d", "Add", "Concat"};
  static const std::set<std::string> kInt8{"Linear", "Conv2d", "Add"};
  static const std::set<std::string> kFollowInput{
      "MaxPool2d", "AvgPool2d", "GlobalAvgPool", "BatchNorm2d", "ReLU", "GELU",
      "Sigmoid",   "Tanh",      "Dropout",       "Flatten",     "Reshape"};
  static const std::set<std::string> kFollowInt8{"MaxPool2d", "AvgPool2d", "GlobalAvgPool",
                                                 "ReLU",      "Dropout",   "Flatten",
                                                 "Reshape"};
  if (precision == Precision::int8) {
    if (kInt8.count(op)) return {DType::s8, false, true};
    if (kFollowInt8.count(op)) return {DType::f32, true};
    return {DType::f32, false};
  }
  if (kFollowInput.count(op)) return {DType::f32, true};
  if (precision == Precision::bf16 && kBf16.count(op)) return {DType::bf16, false};
  return {DType::f32, false};  // Softmax, SoftmaxCrossEntropy, MSE and fp32 runs
}

DType outputType(const std::string& op, DType compute, bool isModelOutput) {
  return isModelOutput && op == "Linear" ? DType::f32 : compute;
}

}  // namespace twb
