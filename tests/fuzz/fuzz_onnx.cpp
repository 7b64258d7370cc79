// An ONNX model: the protobuf, then the import into a model spec and weights.
#include "core/error.h"
#include "fuzz_input.h"
#include "io/onnx_import.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    twb::importOnnx(writeFuzzInput(data, size, ".onnx"));
  } catch (const twb::Error&) {
  }
  return 0;
}
