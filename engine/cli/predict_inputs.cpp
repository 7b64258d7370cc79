#include "cli/predict_inputs.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "data/image_file.h"
#include "data/image_resize.h"
#include "data/npy_file.h"

namespace twb {

namespace {
namespace fs = std::filesystem;

bool isHidden(const fs::path& relative) {
  return std::any_of(relative.begin(), relative.end(),
                     [](const fs::path& part) { return part.string().starts_with("."); });
}

// Every image and array under `folder`, by path.
std::vector<std::string> filesUnder(const std::string& folder) {
  std::vector<std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(folder)) {
    if (!entry.is_regular_file() || isHidden(fs::relative(entry.path(), folder))) continue;
    const std::string path = entry.path().string();
    if (!hasImageExtension(path) && entry.path().extension() != ".npy")
      throw Error(path +
                  ": not an image (.png, .jpg) or array (.npy), which predict reads from "
                  "a folder; move it out or name the inputs one by one");
    files.push_back(path);
  }
  if (files.empty()) throw Error(folder + ": holds no images (.png, .jpg) or arrays (.npy)");
  std::sort(files.begin(), files.end());
  return files;
}

// The samples an array holds, from its header: one sample or a stack of them.
int64_t arraySamples(const std::string& path, const Shape& sample) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open");
  const Shape shape = readNpyHeader(in, path).shape;
  if (shape == sample) return 1;
  if (shape.size() == sample.size() + 1 && Shape(shape.begin() + 1, shape.end()) == sample)
    return shape[0];
  throw Error(path + ": holds an array of " + toString(shape) + "; the model takes samples of " +
              toString(sample) + " (one, or a stack of them)");
}

// An image is one sample of a (1 or 3, H, W) input, normalised as the model was trained.
void checkImageFits(const std::string& path, const Shape& sample,
                    const std::optional<Normalization>& normalization) {
  if (sample.size() != 3 || (sample[0] != 1 && sample[0] != 3))
    throw Error(path + ": an image feeds models whose input is (1 or 3, H, W); this one takes " +
                toString(sample));
  if (!normalization)
    throw Error(path +
                ": the model file records no normalisation for images (trained before "
                "models kept it, or imported from an ONNX file made elsewhere): give it with "
                "--mean and --std");
}
}  // namespace

std::vector<PredictInput> listPredictInputs(const std::vector<std::string>& inputs,
                                            const Shape& sample,
                                            const std::optional<Normalization>& normalization) {
  std::vector<PredictInput> listed;
  for (const std::string& input : inputs) {
    std::error_code ignored;
    const std::vector<std::string> files =
        fs::is_directory(input, ignored) ? filesUnder(input) : std::vector<std::string>{input};
    for (const std::string& path : files) {
      if (!hasImageExtension(path)) {
        listed.push_back({path, arraySamples(path, sample)});
        continue;
      }
      checkImageFits(path, sample, normalization);
      listed.push_back({path, 1});
    }
  }
  return listed;
}

Tensor readPredictInput(const PredictInput& input, const Shape& sample,
                        const std::optional<Normalization>& normalization) {
  if (!hasImageExtension(input.path)) {
    Tensor values = readNpyFile(input.path);
    checkFiniteSamples(values.data<float>(), input.samples, numel(sample), input.path);
    return values;
  }
  Tensor values(sample, DType::f32);
  resizeAndCrop(readImageFile(input.path, sample[0]), sample[1], sample[2], values.data<float>());
  normalizeSample(*normalization, values.data<float>(), numel(sample));
  return values;
}

}  // namespace twb
