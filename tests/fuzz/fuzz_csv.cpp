// A CSV dataset (csv:FILE): numbers, the label last.
#include "core/error.h"
#include "data/dataset.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    twb::openDataset("csv:" + writeFuzzInput(data, size, ".csv"));
  } catch (const twb::Error&) {
  }
  return 0;
}
