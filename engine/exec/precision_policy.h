#pragma once

#include <string>

#include "core/dtype.h"
#include "ops/op.h"

namespace twb {

// The precision a run asks for ("precision" in the job file, --precision on the CLI).
enum class Precision { fp32, bf16, int8 };

Precision parsePrecision(const std::string& name);  // throws twb::Error naming the value
const char* precisionName(Precision precision);

// Which type an op computes in under a run precision, from its traits (ops/op.h).
// bf16 mixed precision (as oneDNN's cnn_training_bf16 and Intel/Alibaba's ResNet-50 recipe):
// ops with the bf16 trait (matrix products, sums, joins) compute in bf16 and the ops that
// follow their input (pooling, activations, Dropout, reshapes, BatchNorm, whose statistics stay
// fp32) inherit it; every other op (Softmax, the losses) computes in fp32, its input cast back.
// Master weights, optimizer state and weight gradients stay fp32.
// int8 inference places types by the ops' int8 roles instead (exec/int8_placement.h).
struct OpPrecision {
  DType compute = DType::f32;  // what the op's primitives read and write
  bool followsInput = false;   // layout-only and normalisation ops keep their input's type
};
OpPrecision opPrecision(const OpTraits& op, Precision precision);

// The type of an op's output: its compute type, except that an op with the logitsInF32 trait
// producing a model output writes f32, so the loss and the caller read full precision.
DType outputType(const OpTraits& op, DType compute, bool isModelOutput);

}  // namespace twb
