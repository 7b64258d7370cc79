#include "data/image_resize.h"

#include <algorithm>
#include <cmath>

namespace twb {

namespace {

// For each output position along one axis, the source positions it reads and their weights.
struct AxisTaps {
  std::vector<int64_t> first, count;
  std::vector<float> weights;  // count[i] weights per output position, from offset[i]
  std::vector<int64_t> offset;
};

AxisTaps axisTaps(int64_t sourceSize, int64_t outputSize, double scale, double crop) {
  AxisTaps taps;
  const double support = std::max(1.0, 1.0 / scale);  // in source pixels
  for (int64_t o = 0; o < outputSize; ++o) {
    const double centre = (o + crop + 0.5) / scale - 0.5;
    const int64_t lo = std::max<int64_t>(0, static_cast<int64_t>(std::ceil(centre - support)));
    const int64_t hi =
        std::min<int64_t>(sourceSize - 1, static_cast<int64_t>(std::floor(centre + support)));
    taps.first.push_back(lo);
    taps.offset.push_back(static_cast<int64_t>(taps.weights.size()));
    double total = 0;
    std::vector<double> w;
    for (int64_t s = lo; s <= hi; ++s) {
      w.push_back(std::max(0.0, 1.0 - std::abs(s - centre) / support));
      total += w.back();
    }
    if (total == 0) {  // the centre falls outside the image: take the nearest edge pixel
      w.assign(1, 1.0);
      taps.first.back() = std::clamp<int64_t>(std::lround(centre), 0, sourceSize - 1);
      total = 1;
    }
    taps.count.push_back(static_cast<int64_t>(w.size()));
    for (double v : w) taps.weights.push_back(static_cast<float>(v / total));
  }
  return taps;
}

}  // namespace

void resizeAndCrop(const Image& image, int64_t height, int64_t width, float* chw) {
  // torchvision's arithmetic: the limiting side becomes the target exactly, the other is
  // truncated; the crop starts at round-half-even of the margin.
  int64_t scaledHeight = height, scaledWidth = width;
  if (height * image.width >= width * image.height)
    scaledWidth = std::max(width, image.width * height / image.height);
  else
    scaledHeight = std::max(height, image.height * width / image.width);
  const AxisTaps rows =
      axisTaps(image.height, height, static_cast<double>(scaledHeight) / image.height,
               std::nearbyint((scaledHeight - height) / 2.0));
  const AxisTaps columns =
      axisTaps(image.width, width, static_cast<double>(scaledWidth) / image.width,
               std::nearbyint((scaledWidth - width) / 2.0));
  const int64_t channels = image.channels;
  // Columns first, into a (source rows, width, channels) buffer; then rows.
  std::vector<float> wide(static_cast<size_t>(image.height * width * channels));
  for (int64_t y = 0; y < image.height; ++y)
    for (int64_t x = 0; x < width; ++x)
      for (int64_t c = 0; c < channels; ++c) {
        float sum = 0;
        for (int64_t t = 0; t < columns.count[x]; ++t)
          sum += columns.weights[columns.offset[x] + t] *
                 image.pixels[(y * image.width + columns.first[x] + t) * channels + c];
        wide[(y * width + x) * channels + c] = sum;
      }
  for (int64_t c = 0; c < channels; ++c)
    for (int64_t y = 0; y < height; ++y)
      for (int64_t x = 0; x < width; ++x) {
        float sum = 0;
        for (int64_t t = 0; t < rows.count[y]; ++t)
          sum += rows.weights[rows.offset[y] + t] *
                 wide[((rows.first[y] + t) * width + x) * channels + c];
        chw[(c * height + y) * width + x] = sum * (1.0f / 255.0f);  // as IDX pixels scale
      }
}

}  // namespace twb
