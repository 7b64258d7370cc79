#pragma once

#include <string>

#include "core/dtype.h"

namespace twb {

// The precision a run asks for ("precision" in the job file, --precision on the CLI).
enum class Precision { fp32, bf16, int8 };

Precision parsePrecision(const std::string& name);  // throws twb::Error naming the value
const char* precisionName(Precision precision);

// The one place that says which op computes in which type under a run precision.
// bf16 mixed precision (as oneDNN's cnn_training_bf16 and Intel/Alibaba's ResNet-50 recipe):
// Linear, Conv2d, pooling, activations, Dropout, Add and Concat compute in bf16; BatchNorm
// keeps its statistics in fp32 whatever its data type; Softmax and the losses compute in fp32
// (logits are cast back); master weights, optimizer state and weight gradients stay fp32.
// int8 inference (a quantization plan, quant/quant_plan.h, says which layers and scales):
// Linear and Conv2d run on int8 kernels with s32 accumulation where the plan says int8, Add
// adds int8 inputs without leaving int8, pooling, ReLU and the reshapes keep their input's int8
// type and scale; every other op (BatchNorm that could not be folded, GELU, Sigmoid, Tanh,
// Concat, Softmax, the losses) computes in fp32 from dequantized inputs.
// Ops not named here follow the type of their input.
struct OpPrecision {
  DType compute = DType::f32;  // what the op's primitives read and write
  bool followsInput = false;   // layout-only and normalisation ops keep their input's type
  bool int8Capable = false;    // under int8: runs on int8 kernels where the plan allows it
};
OpPrecision opPrecision(const std::string& op, Precision precision);

// The type of an op's output: its compute type, except that a Linear producing a model output
// (the logits) writes f32, so the loss and the caller read full precision.
DType outputType(const std::string& op, DType compute, bool isModelOutput);

}  // namespace twb
