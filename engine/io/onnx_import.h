#pragma once

#include <map>
#include <string>
#include <vector>

#include "core/error.h"
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
// text model's sequence length); FreeInputSizes names the inputs that need one.
ModelFile importOnnx(const std::string& path, const std::map<std::string, Shape>& inputShapes = {});

// An input whose sizes after the batch the file leaves free, with no shape given for it.
struct FreeInput {
  std::string name;
  Shape dims;                        // after the batch; 0 where the file leaves one free
  std::vector<std::string> symbols;  // the file's names for them ("sequence"); "" where none
};

// The error of a file read without the sizes it leaves free: every such input, for a caller
// that asks for them (the workbench's Model tab) or says how to give them (`problem()`, the
// message without the way to give them; what() gives the command line's --input-shape).
class FreeInputSizes : public Error {
 public:
  FreeInputSizes(const std::string& path, std::vector<FreeInput> inputs);
  const std::vector<FreeInput>& inputs() const { return m_inputs; }
  const std::string& problem() const { return m_problem; }

 private:
  std::vector<FreeInput> m_inputs;
  std::string m_problem;
};

}  // namespace twb
