// A safetensors file: its JSON header and the tensors' byte ranges.
#include "core/error.h"
#include "fuzz_input.h"
#include "io/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    twb::readTensorFile(writeFuzzInput(data, size, ".safetensors"));
  } catch (const twb::Error&) {
  }
  return 0;
}
