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
bool decodeJpegInto(const std::vector<uint8_t>& bytes, int64_t wantChannels, Image& image,
                    char* message) {
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
  info.out_color_space = image.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  image.width = info.image_width;
  image.height = info.image_height;
  if (image.width <= 0 || image.height <= 0 || image.width * image.height > kMaxPixels) {
    jpeg_destroy_decompress(&info);
    return true;  // the caller names the size
  }
  jpeg_start_decompress(&info);
  image.pixels.resize(static_cast<size_t>(image.width * image.height * image.channels));
  while (info.output_scanline < info.output_height) {
    JSAMPROW row = image.pixels.data() + info.output_scanline * image.width * image.channels;
    jpeg_read_scanlines(&info, &row, 1);
  }
  jpeg_finish_decompress(&info);
  jpeg_destroy_decompress(&info);
  return true;
}

Image decodeJpeg(const std::string& path, const std::vector<uint8_t>& bytes, int64_t channels) {
  Image image;
  char message[JMSG_LENGTH_MAX];
  if (!decodeJpegInto(bytes, channels, image, message))
    throw Error(path + ": corrupt or truncated JPEG (" + message + ")");
  checkSize(path, image.width, image.height);
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
