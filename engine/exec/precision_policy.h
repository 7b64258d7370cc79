#pragma once

#include <string>

#include "core/dtype.h"

namespace twb {

// The precision a run asks for ("precision" in the job file, --precision on the CLI).
enum class Precision { fp32, bf16 };

Precision parsePrecision(const std::string& name);  // throws twb::Error naming the value

// The one place that says which op computes in which type under a run precision.
// bf16 mixed precision (as oneDNN's cnn_training_bf16 and Intel/Alibaba's ResNet-50 recipe):
// Linear, Conv2d, pooling, activations, Dropout, Add and Concat compute in bf16; BatchNorm
// keeps its statistics in fp32 whatever its data type; Softmax and the losses compute in fp32
// (logits are cast back); master weights, optimizer state and weight gradients stay fp32.
// Ops not named here follow the type of their input.
struct OpPrecision {
  DType compute = DType::f32;  // what the op's primitives read and write
  bool followsInput = false;   // layout-only and normalisation ops keep their input's type
};
OpPrecision opPrecision(const std::string& op, Precision precision);

// The type of an op's output: its compute type, except that a Linear producing a model output
// (the logits) writes f32, so the loss and the caller read full precision.
DType outputType(const std::string& op, DType compute, bool isModelOutput);

}  // namespace twb
