#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/tensor.h"

namespace twb {

// The safetensors layout (readable by the `safetensors` Python package and other tools):
//   8 bytes   little-endian u64 N, the header's length
//   N bytes   JSON: {"NAME": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...,
//                    "__metadata__": {"key": "string value", ...}}
//   the rest  tensor bytes, offsets relative to the end of the header
struct TensorFile {
  std::vector<std::pair<std::string, Tensor>> tensors;  // in file order
  std::map<std::string, std::string> metadata;

  const Tensor* find(const std::string& name) const;
  Tensor* find(const std::string& name);  // to take a tensor out (moved)
};

// Writes to PATH.tmp and renames, so an interrupted save never leaves a half-written file.
void writeTensorFile(const std::string& path, const TensorFile& file);
// Validates everything it reads; errors name the file, the tensor and the byte offset.
TensorFile readTensorFile(const std::string& path);
// The metadata alone, from the header (the tensors are not read).
std::map<std::string, std::string> readTensorFileMetadata(const std::string& path);

}  // namespace twb
