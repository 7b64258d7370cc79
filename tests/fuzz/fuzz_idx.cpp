// An IDX file (the MNIST format), plain or gzipped.
#include "core/error.h"
#include "data/idx_file.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bool gzipped = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  try {
    twb::readIdxFile(writeFuzzInput(data, size, gzipped ? ".idx.gz" : ".idx"));
  } catch (const twb::Error&) {
  }
  return 0;
}
