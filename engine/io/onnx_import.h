#pragma once

#include <string>

#include "io/model_file.h"

namespace twb {

// Reads an ONNX model made of ops the engine has (Gemm, MatMul, Conv, BatchNormalization, Relu,
// Sigmoid, Tanh, MaxPool, AveragePool, GlobalAveragePool, Flatten, Reshape, Add, Sum, Concat,
// Softmax, Dropout, Identity, Constant, a Pad of zeros, and GELU's erf form) into a model spec
// with its weights. Inputs keep a free batch dimension. An unsupported op or attribute is an
// error naming the node, its op type and what is missing.
ModelFile importOnnx(const std::string& path);

}  // namespace twb
