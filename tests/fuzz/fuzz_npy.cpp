// A NumPy array (.npy) or archive of them (.npz, told by its zip magic), as the npy:, npz:
// datasets and predict's inputs read them.
#include "core/error.h"
#include "data/npy_file.h"
#include "data/npz_file.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const bool zipped = size >= 2 && data[0] == 'P' && data[1] == 'K';
  try {
    const std::string path = writeFuzzInput(data, size, zipped ? ".npz" : ".npy");
    if (!zipped) {
      twb::readNpyFile(path);
      return 0;
    }
    const twb::NpzFile archive(path);
    for (const std::string& name : archive.names()) {
      try {
        archive.read(name);
      } catch (const twb::Error&) {
      }
    }
  } catch (const twb::Error&) {
  }
  return 0;
}
