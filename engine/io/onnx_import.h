#pragma once

#include <map>
#include <string>

#include "core/shape.h"
#include "io/model_file.h"

namespace twb {

// Reads an ONNX model (opsets 7-17, as PyTorch writes them, external data files included) made
// of ops the engine has into a model spec with its weights: Conv, Gemm, MatMul, BatchNormalization,
// LayerNormalization, the activations (Relu, LeakyRelu, Clip, Sigmoid, HardSigmoid,
// HardSwish, Tanh, GELU and SiLU in their decomposed forms too), pooling, ReduceMean/ReduceSum,
// Softmax/LogSoftmax, elementwise arithmetic, Concat, Split, Slice, Gather, Transpose, Reshape,
// Flatten, Squeeze/Unsqueeze, shape arithmetic on constants (folded), and QuantizeLinear /
// DequantizeLinear pairs (read back as int8 layers). Inputs keep a free batch dimension, also where
// the file fixes it (io/onnx_fixed_batch.cpp). An
// unsupported op or attribute is an error naming the node, its op type and what is missing.
// `inputShapes` gives an input's dimensions after the batch where the file leaves them free (a
// text model's sequence length); an error names an input that needs one.
ModelFile importOnnx(const std::string& path, const std::map<std::string, Shape>& inputShapes = {});

}  // namespace twb
