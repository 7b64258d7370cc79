#include "exec/precision_policy.h"

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

OpPrecision opPrecision(const OpTraits& op, Precision precision) {
  if (op.followsInput) return {DType::f32, true};
  if (precision == Precision::bf16 && op.bf16) return {DType::bf16, false};
  return {DType::f32, false};
}

DType outputType(const OpTraits& op, DType compute, bool isModelOutput) {
  return isModelOutput && op.logitsInF32 ? DType::f32 : compute;
}

}  // namespace twb
