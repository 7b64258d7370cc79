// PNG and JPEG files of image-folder datasets and predict: decoded, then scaled and cropped.
#include <vector>

#include "core/error.h"
#include "data/image_file.h"
#include "data/image_resize.h"
#include "fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  try {
    // The first byte picks the channels asked for (0: the file's own, 1: grey, 3: RGB).
    const int64_t channels = size ? (data[0] % 3 == 2 ? 3 : data[0] % 3) : 0;
    const twb::Image image = twb::readImageFile(writeFuzzInput(data, size, ".png"), channels);
    std::vector<float> out(static_cast<size_t>(image.channels * 12 * 10));
    twb::resizeAndCrop(image, 12, 10, out.data());
  } catch (const twb::Error&) {
  }
  return 0;
}
