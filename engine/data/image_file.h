#pragma once

// PNG and JPEG files decoded to 8-bit pixels (libpng's simplified API, libjpeg-turbo).

#include <cstdint>
#include <string>
#include <vector>

namespace twb {

struct Image {
  int64_t width = 0, height = 0, channels = 0;  // channels: 1 (grey) or 3 (RGB)
  std::vector<uint8_t> pixels;                  // height x width x channels, row-major
};

// True when the file name ends in .png, .jpg or .jpeg (any case).
bool hasImageExtension(const std::string& path);

// Decodes `path` to `channels` channels (1: grey, 3: RGB; colour is converted, alpha dropped);
// channels 0 keeps the file's own (grey stays grey, everything else becomes RGB). Throws
// twb::Error naming the file: not a PNG or JPEG, truncated, corrupt.
Image readImageFile(const std::string& path, int64_t channels = 0);

}  // namespace twb
