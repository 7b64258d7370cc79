#include "ops/onnx_writer.h"

namespace twb {

std::vector<std::string> OnnxNodeIo::inputsAndParams() const {
  std::vector<std::string> all = inputs;
  all.insert(all.end(), params.begin(), params.end());
  return all;
}

}  // namespace twb
