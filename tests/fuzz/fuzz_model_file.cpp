// A .twbm model file: header, spec and weights.
#include "core/error.h"
#include "fuzz_input.h"
#include "io/model_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    twb::loadModel(writeFuzzInput(data, size, ".twbm"));
  } catch (const twb::Error&) {
  }
  return 0;
}
