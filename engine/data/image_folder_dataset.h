#pragma once

#include "data/dataset.h"

namespace twb {

// A folder of PNG and JPEG images, one sub-folder per class (the layout of torchvision's
// ImageFolder), read from disk one image per read(): nothing but the file list stays in memory.
// Each image is decoded to the sample's channels, scaled to cover its height and width and
// centre-cropped (data/image_resize.h).
class ImageFolderDataset : public Dataset {
 public:
  struct Files {
    std::vector<std::string> classNames;  // sorted; a label indexes this
    std::vector<std::string> paths;
    std::vector<int32_t> labels;
  };

  ImageFolderDataset(std::string name, Files files, Shape sampleShape);

  std::string name() const override { return m_name; }
  int64_t size() const override { return static_cast<int64_t>(m_files.paths.size()); }
  Shape sampleShape() const override { return m_shape; }
  int64_t classes() const override { return static_cast<int64_t>(m_files.classNames.size()); }
  int32_t read(int64_t index, float* out) const override;
  Normalization defaultNormalization() const override { return {{0.5f}, {0.5f}}; }
  bool readsFiles() const override { return true; }
  std::vector<std::string> classNames() const override { return m_files.classNames; }

 private:
  std::string m_name;
  Files m_files;
  Shape m_shape;
};

// Opens `images:DIR[:test=FRACTION]`. DIR holds train/ and test/ (or val/) folders of class
// folders, or class folders only; then a seeded FRACTION of each class (default 0.1) is the test
// part, the same files on every run. Samples are `modelInput` when it is an image shape
// (C, H, W with C 1 or 3), else the first training image's own channels and size.
DatasetSplits openImageFolder(const std::string& spec, const std::string& rest,
                              const Shape& modelInput);

}  // namespace twb
