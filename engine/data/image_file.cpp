#include "data/image_file.h"

#include <jpeglib.h>
#include <png.h>

#include <algorithm>
#include <csetjmp>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "core/error.h"

namespace twb {

namespace {

// Far beyond any training image; refuses a decompression bomb before allocating for it.
constexpr int64_t kMaxPixels = int64_t{1} << 28;

void checkSize(const std::string& path, int64_t width, int64_t height) {
  if (width <= 0 || height <= 0 || width * height > kMaxPixels)
    throw Error(path + ": image of " + std::to_string(width) + "x" + std::to_string(height) +
                " pixels is empty or larger than " + std::to_string(kMaxPixels) + " pixels");
}

Image decodePng(const std::string& path, const std::vector<uint8_t>& bytes, int64_t channels) {
  png_image png;
  std::memset(&png, 0, sizeof png);
  png.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&png, bytes.data(), bytes.size()))
    throw Error(path + ": corrupt PNG (" + png.message + ")");
  Image image;
  image.width = png.width;
  image.height = png.height;
  image.channels = channels ? channels : (png.format & PNG_FORMAT_FLAG_COLOR) ? 3 : 1;
  try {
    checkSize(path, image.width, image.height);
  } catch (...) {
    png_image_free(&png);
    throw;
  }
  png.format = image.channels == 1 ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  image.pixels.resize(PNG_IMAGE_SIZE(png));
  if (!png_image_finish_read(&png, nullptr, image.pixels.data(), 0, nullptr))
    throw Error(path + ": corrupt or truncated PNG (" + png.message + ")");
  return image;
}

// libjpeg reports errors by calling error_exit, which must not return; it jumps back to the
// decoder. Warnings (a truncated file is one: libjpeg pads it with grey) are errors here too.
struct JpegErrors {
  jpeg_error_mgr manager;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = "";
};

void jpegFail(j_common_ptr info) {
  auto* errors = reinterpret_cast<JpegErrors*>(info->err);
  info->err->format_message(info, errors->message);
  std::longjmp(errors->jump, 1);
}

void jpegMessage(j_common_ptr info, int level) {
  if (level < 0) jpegFail(info);
}

// No C++ object with a destructor lives in this function: a longjmp out of libjpeg skips them.
// A CMYK (or YCCK) file, as print workflows write, is decoded into `cmyk` (4 bytes a pixel, as
// stored; `inverted` where an Adobe marker says the values are stored inverted, as Photoshop
// writes them) for the caller to convert: libjpeg converts only YCbCr and grey to RGB.
bool decodeJpegInto(const std::vector<uint8_t>& bytes, int64_t wantChannels, Image& image,
                    std::vector<uint8_t>& cmyk, bool& inverted, char* message) {
  jpeg_decompress_struct info;
  JpegErrors errors;
  info.err = jpeg_std_error(&errors.manager);
  errors.manager.error_exit = jpegFail;
  errors.manager.emit_message = jpegMessage;
  if (setjmp(errors.jump)) {
    jpeg_destroy_decompress(&info);
    std::strcpy(message, errors.message);
    return false;
  }
  jpeg_create_decompress(&info);
  jpeg_mem_src(&info, bytes.data(), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&info, TRUE);
  image.channels = wantChannels ? wantChannels : info.num_components == 1 ? 1 : 3;
  const bool fourChannels = info.jpeg_color_space == JCS_CMYK || info.jpeg_color_space == JCS_YCCK;
  inverted = fourChannels && info.saw_Adobe_marker;
  info.out_color_space = fourChannels ? JCS_CMYK : image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  image.width = info.image_width;
  image.height = info.image_height;
  if (image.width <= 0 || image.height <= 0 || image.width * image.height > kMaxPixels) {
    jpeg_destroy_decompress(&info);
    return true;  // the caller names the size
  }
  jpeg_start_decompress(&info);
  std::vector<uint8_t>& out = fourChannels ? cmyk : image.pixels;
  const int64_t stride = image.width * (fourChannels ? 4 : image.channels);
  out.resize(static_cast<size_t>(image.height * stride));
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = out.data() + info.output_scanline * stride;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

// CMYK as decoded to RGB or grey: R = (255 - C)(255 - K) / 255 and so on, rounded, as PIL
// converts it (stored-inverted values are inverted back first).
void cmykToPixels(const std::vector<uint8_t>& cmyk, bool inverted, Image& image) {
  const int64_t pixels = image.width * image.height;
  image.pixels.resize(static_cast<size_t>(pixels * image.channels));
  const auto ink = [&](int64_t i, int c) {
    const int v = cmyk[static_cast<size_t>(4 * i + c)];
    return inverted ? 255 - v : v;
  };
  for (int64_t i = 0; i < pixels; ++i) {
    const int paper = 255 - ink(i, 3);
    uint8_t rgb[3];
    for (int c = 0; c < 3; ++c) {
      const int product = ink(i, c) * paper + 128;  // / 255, rounded, exactly in integers
      rgb[c] = static_cast<uint8_t>(paper - (((product >> 8) + product) >> 8));
    }
    if (image.channels == 3)
      std::copy(rgb, rgb + 3, image.pixels.begin() + 3 * i);
    else  // ITU-R 601 luma (the weights libjpeg and PIL make grey with)
      image.pixels[static_cast<size_t>(i)] =
          static_cast<uint8_t>((299 * rgb[0] + 587 * rgb[1] + 114 * rgb[2] + 500) / 1000);
  }
}

Image decodeJpeg(const std::string& path, const std::vector<uint8_t>& bytes, int64_t channels) {
  Image image;
  std::vector<uint8_t> cmyk;
  bool inverted = false;
  char message[JMSG_LENGTH_MAX];
  if (!decodeJpegInto(bytes, channels, image, cmyk, inverted, message))
    throw Error(path + ": corrupt or truncated JPEG (" + message + ")");
  checkSize(path, image.width, image.height);
  if (!cmyk.empty()) cmykToPixels(cmyk, inverted, image);
  return image;
}

bool startsWith(const std::vector<uint8_t>& bytes, std::initializer_list<uint8_t> magic) {
  return bytes.size() >= magic.size() && std::equal(magic.begin(), magic.end(), bytes.begin());
}

}  // namespace

bool hasImageExtension(const std::string& path) {
  const size_t dot = path.rfind('.');
  if (dot == std::string::npos) return false;
  std::string extension = path.substr(dot + 1);
  std::transform(extension.begin(), extension.end(), extension.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return extension == "png" || extension == "jpg" || extension == "jpeg";
}

Image readImageFile(const std::string& path, int64_t channels) {
  if (channels != 0 && channels != 1 && channels != 3)
    throw Error(path + ": images decode to 1 or 3 channels, not " + std::to_string(channels));
  // One read of the whole file: this runs for every image of every epoch.
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(path + ": cannot open");
  std::vector<uint8_t> bytes(static_cast<size_t>(in.tellg()));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), static_cast<std::streamsize>(bytes.size())))
    throw Error(path + ": cannot read");
  if (startsWith(bytes, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}))
    return decodePng(path, bytes, channels);
  if (startsWith(bytes, {0xff, 0xd8, 0xff})) return decodeJpeg(path, bytes, channels);
  throw Error(path + ": not a PNG or JPEG image" +
              (bytes.empty() ? std::string(" (empty file)") : std::string()));
}

}  // namespace twb
