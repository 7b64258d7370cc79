#include "data/image_folder_dataset.h"

#include <algorithm>
#include <cmath>
#include <filesystem>

#include "core/error.h"
#include "core/random.h"
#include "data/image_resize.h"

namespace twb {

namespace {
namespace fs = std::filesystem;

constexpr double kDefaultTestFraction = 0.1;

bool hidden(const fs::path& path) { return path.filename().string().front() == '.'; }

std::vector<std::string> sortedClassFolders(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& entry : fs::directory_iterator(dir))
    if (entry.is_directory() && !hidden(entry.path())) names.push_back(entry.path().filename());
  std::sort(names.begin(), names.end());
  if (names.empty())
    throw Error(dir.string() + ": holds no class folders (one sub-folder of images per class)");
  return names;
}

// The images under one class folder, sorted, searched recursively. Anything else is refused
// rather than skipped, so no file the user put there is silently left out.
std::vector<std::string> classImages(const fs::path& folder) {
  std::vector<std::string> paths;
  for (auto it = fs::recursive_directory_iterator(folder); it != fs::recursive_directory_iterator();
       ++it) {
    if (hidden(it->path())) {
      if (it->is_directory()) it.disable_recursion_pending();
      continue;
    }
    if (it->is_directory()) continue;
    if (!hasImageExtension(it->path()))
      throw Error(it->path().string() +
                  ": not an image (class folders hold .png, .jpg and .jpeg files only)");
    paths.push_back(it->path());
  }
  if (paths.empty()) throw Error(folder.string() + ": class folder holds no images");
  std::sort(paths.begin(), paths.end());
  return paths;
}

// Every image of `dir`, labelled by the index of its class folder in `classNames`.
ImageFolderDataset::Files scanFolder(const fs::path& dir,
                                     const std::vector<std::string>& classNames) {
  ImageFolderDataset::Files files;
  files.classNames = classNames;
  for (const std::string& name : sortedClassFolders(dir)) {
    const auto found = std::find(classNames.begin(), classNames.end(), name);
    if (found == classNames.end())
      throw Error((dir / name).string() + ": class '" + name +
                  "' is not among the training classes");
    const auto label = static_cast<int32_t>(found - classNames.begin());
    for (std::string& path : classImages(dir / name)) {
      files.paths.push_back(std::move(path));
      files.labels.push_back(label);
    }
  }
  return files;
}

// Moves a seeded `fraction` of each class of `all` into the second part. The draw depends on
// the class and its sorted files only, so every run holds out the same images.
std::pair<ImageFolderDataset::Files, ImageFolderDataset::Files> splitFolder(
    const ImageFolderDataset::Files& all, double fraction) {
  ImageFolderDataset::Files train, test;
  train.classNames = test.classNames = all.classNames;
  for (int32_t label = 0; label < static_cast<int32_t>(all.classNames.size()); ++label) {
    std::vector<size_t> members;
    for (size_t i = 0; i < all.paths.size(); ++i)
      if (all.labels[i] == label) members.push_back(i);
    Random random(mixSeed(0x5b117, static_cast<uint64_t>(label)));
    for (size_t i = members.size(); i > 1; --i) std::swap(members[i - 1], members[random.below(i)]);
    const auto held = static_cast<size_t>(std::llround(fraction * members.size()));
    std::sort(members.begin(), members.begin() + held);
    std::sort(members.begin() + held, members.end());
    for (size_t k = 0; k < members.size(); ++k) {
      auto& part = k < held ? test : train;
      part.paths.push_back(all.paths[members[k]]);
      part.labels.push_back(label);
    }
  }
  return {std::move(train), std::move(test)};
}

double parseTestFraction(const std::string& spec, const std::string& option) {
  const std::string prefix = "test=";
  if (option.rfind(prefix, 0) != 0)
    throw Error(spec + ": unknown option '" + option + "' (expected test=FRACTION)");
  const std::string text = option.substr(prefix.size());
  char* end = nullptr;
  const double fraction = std::strtod(text.c_str(), &end);
  if (text.empty() || *end != '\0' || !(fraction > 0 && fraction < 1))
    throw Error(spec + ": test=" + text + " must be a fraction between 0 and 1, e.g. test=0.1");
  return fraction;
}

}  // namespace

ImageFolderDataset::ImageFolderDataset(std::string name, Files files, Shape sampleShape)
    : m_name(std::move(name)), m_files(std::move(files)), m_shape(std::move(sampleShape)) {}

int32_t ImageFolderDataset::read(int64_t index, float* out) const {
  const Image image = readImageFile(m_files.paths[index], m_shape[0]);
  resizeAndCrop(image, m_shape[1], m_shape[2], out);
  return m_files.labels[index];
}

DatasetSplits openImageFolder(const std::string& spec, const std::string& rest,
                              const Shape& modelInput) {
  const size_t option = rest.rfind(":test=");
  const fs::path dir = rest.substr(0, option);
  const bool fractionGiven = option != std::string::npos;
  const double fraction =
      fractionGiven ? parseTestFraction(spec, rest.substr(option + 1)) : kDefaultTestFraction;
  if (!fs::is_directory(dir)) throw Error(spec + ": folder " + dir.string() + " does not exist");

  ImageFolderDataset::Files train, test;
  if (fs::is_directory(dir / "train")) {
    if (fractionGiven)
      throw Error(spec + ": " + dir.string() + " has its own train/ folder; drop test=");
    const fs::path testDir = fs::is_directory(dir / "test") ? dir / "test" : dir / "val";
    if (!fs::is_directory(testDir))
      throw Error(spec + ": " + dir.string() + " has train/ but neither test/ nor val/");
    train = scanFolder(dir / "train", sortedClassFolders(dir / "train"));
    test = scanFolder(testDir, train.classNames);
  } else {
    std::tie(train, test) = splitFolder(scanFolder(dir, sortedClassFolders(dir)), fraction);
  }
  if (train.paths.empty()) throw Error(spec + ": the split leaves no training images");
  if (train.classNames.size() < 2)
    throw Error(spec + ": needs at least 2 class folders, found " +
                std::to_string(train.classNames.size()));

  Shape shape = modelInput;
  const bool imageShaped = shape.size() == 3 && (shape[0] == 1 || shape[0] == 3);
  if (!imageShaped) {
    const Image first = readImageFile(train.paths.at(0));
    shape = {first.channels, first.height, first.width};
  }
  return {std::make_shared<ImageFolderDataset>(spec, std::move(train), shape),
          std::make_shared<ImageFolderDataset>(spec + " (test)", std::move(test), shape)};
}

}  // namespace twb
