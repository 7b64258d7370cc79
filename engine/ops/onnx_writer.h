#pragma once

// What an op writes to give its ONNX form (Op::toOnnx). io/onnx_export implements it, so each
// op states its own ONNX nodes and ops/ never sees protobuf.

#include <cstdint>
#include <string>
#include <vector>

#include "core/shape.h"

namespace twb {

// The ONNX node just added: its attributes.
class OnnxNode {
 public:
  virtual ~OnnxNode() = default;
  virtual OnnxNode& integer(const std::string& name, int64_t value) = 0;
  virtual OnnxNode& integers(const std::string& name, const std::vector<int64_t>& values) = 0;
  virtual OnnxNode& number(const std::string& name, float value) = 0;
  virtual OnnxNode& text(const std::string& name, const std::string& value) = 0;
  virtual OnnxNode& texts(const std::string& name, const std::vector<std::string>& values) = 0;
};

class OnnxWriter {
 public:
  virtual ~OnnxWriter() = default;
  // Adds a node of ONNX type `type` (default domain); the reference is valid until the next call.
  virtual OnnxNode& node(const std::string& type, const std::vector<std::string>& inputs,
                         const std::string& output) = 0;
  // Constants; each returns the name it was given. floats() writes a Constant node rather than an
  // initializer, which an import reads as a parameter.
  virtual std::string scalar(const std::string& name, float value) = 0;
  virtual std::string int64s(const std::string& name, const std::vector<int64_t>& values) = 0;
  virtual std::string floats(const std::string& name, const std::vector<float>& values) = 0;
};

// The names one op's ONNX nodes read and write. Intermediate values an op needs are named
// after its output ("fc1/scaled"), so they cannot collide with another node's.
struct OnnxNodeIo {
  std::vector<std::string> inputs;
  std::vector<std::string> params;  // its parameters' initializers, in the order of Op::params
  std::string output;
  Shape outputShape;  // with a batch of 1
  std::vector<std::string> inputsAndParams() const;
};

}  // namespace twb
