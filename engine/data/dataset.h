#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/shape.h"

namespace twb {

// Per-channel normalisation applied by the DataLoader: x' = (x - mean[c]) / std[c].
struct Normalization {
  std::vector<float> mean{0.f};
  std::vector<float> std{1.f};
};

// {"mean": [...], "std": [...]}, as job files and model files write it; errors name `path`.
Normalization normalizationFromJson(const nlohmann::json& json, const std::string& path);
nlohmann::json toJson(const Normalization& normalization);
// Normalises one sample of `size` values in place, channel plane by channel plane (one mean and
// std for the whole sample when they hold one value each).
void normalizeSample(const Normalization& normalization, float* sample, int64_t size);

// A labelled classification dataset. Samples are f32 in the dataset's natural range (pixels in
// [0, 1]); labels are class indices in [0, classes).
class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::string name() const = 0;
  virtual int64_t size() const = 0;
  virtual Shape sampleShape() const = 0;  // per sample, e.g. [1, 28, 28]
  virtual int64_t classes() const = 0;
  // Writes sample `index` (numel(sampleShape()) floats) to `out`; returns its label.
  virtual int32_t read(int64_t index, float* out) const = 0;
  virtual Normalization defaultNormalization() const { return {}; }
  // True when read() decodes a file, so a DataLoader reads with several workers.
  virtual bool readsFiles() const { return false; }
  // The name of each class, when the data has them (an image folder's sub-folders, the
  // published names of Fashion-MNIST's and CIFAR-10's labels).
  virtual std::vector<std::string> classNames() const { return {}; }
  // Bytes of samples and labels it holds in memory (read whole when opened); 0 when it reads
  // them as it goes.
  virtual int64_t heldBytes() const { return 0; }
};

// Throws twb::Error unless `n` has one value, or one per channel, for the samples of `dataset`,
// and every std is > 0.
void checkNormalizationFits(const Normalization& n, const Dataset& dataset);

// A dataset held in memory as bytes (images) or floats (tabular data).
class InMemoryDataset : public Dataset {
 public:
  InMemoryDataset(std::string name, Shape sampleShape, int64_t classes,
                  std::vector<uint8_t> pixels, std::vector<int32_t> labels,
                  Normalization normalization);
  InMemoryDataset(std::string name, Shape sampleShape, int64_t classes, std::vector<float> values,
                  std::vector<int32_t> labels);

  std::string name() const override { return m_name; }
  int64_t size() const override { return static_cast<int64_t>(m_labels.size()); }
  Shape sampleShape() const override { return m_shape; }
  int64_t classes() const override { return m_classes; }
  int32_t read(int64_t index, float* out) const override;
  Normalization defaultNormalization() const override { return m_normalization; }
  std::vector<std::string> classNames() const override { return m_classNames; }
  void setClassNames(std::vector<std::string> names) { m_classNames = std::move(names); }
  int64_t heldBytes() const override;

 private:
  std::string m_name;
  Shape m_shape;
  int64_t m_classes;
  std::vector<std::string> m_classNames;
  std::vector<uint8_t> m_pixels;  // scaled by 1/255 on read
  std::vector<float> m_values;
  std::vector<int32_t> m_labels;
  Normalization m_normalization;
};

// Samples [begin, end) of a dataset, as a dataset of their own (a rank's share of evaluation).
std::shared_ptr<const Dataset> sliceDataset(std::shared_ptr<const Dataset> dataset, int64_t begin,
                                            int64_t end);

// The train and test parts of one dataset spec.
struct DatasetSplits {
  std::shared_ptr<Dataset> train;
  std::shared_ptr<Dataset> test;
};

// Opens a dataset from its spec, the same forms the CLI and the job file accept:
//   fashion-mnist              the Debian package's files (/usr/share/datasets/fashion-mnist)
//   idx:DIR                    MNIST-style IDX files (train-images-idx3-ubyte[.gz], t10k-...)
//   cifar10:DIR                CIFAR-10 binary batches (data_batch_1..5.bin, test_batch.bin)
//   csv:FILE                   features then the label in the last column; test = the same file
//   npy:X.npy,Y.npy            samples (N, ...) and labels (N); test = the same pair
//   npz:FILE.npz[:X,Y]         the same pair in one NumPy archive (arrays x and y by default)
//   images:DIR[:test=F]        PNG/JPEG class folders (data/image_folder_dataset.h)
//   synthetic:SHAPE:CLASSES[:SIZE][:ids=V]  e.g. synthetic:3x32x32:10, learnable random data;
//                              SIZE training samples (default 10000), a fifth of it for test;
//                              ids=V: token ids below V, for a text model
// `modelInput`, when known, is the shape the samples feed: image folders are decoded to it.
// Errors name the spec and the file at fault.
DatasetSplits openDataset(const std::string& spec, const Shape& modelInput = {});

// The files and folders opening `spec` reads whole (a folder: each file in it); empty for the
// forms that read their samples as they are drawn, or make them.
std::vector<std::string> datasetFilesReadWhole(const std::string& spec);

// `spec` with each path of a file or folder it names replaced by `path(that path)`, the rest of
// the spec as it was: "npy:x.npy,y.npy" maps x.npy and y.npy, "images:pets:test=0.1" maps pets.
// Specs that name no file ("fashion-mnist", "synthetic:...") come back unchanged.
std::string mapDatasetPaths(const std::string& spec,
                            const std::function<std::string(const std::string&)>& path);

// How a dataset is opened: openDataset, or as a check does (DatasetFactsCache::opener).
using DatasetOpener =
    std::function<DatasetSplits(const std::string& spec, const Shape& modelInput)>;

// Those forms in a line, for help texts and errors.
inline constexpr const char* kDatasetSpecForms =
    "fashion-mnist | idx:DIR | cifar10:DIR | csv:FILE | npy:X.npy,Y.npy | npz:FILE.npz[:X,Y] | "
    "images:DIR | synthetic:SHAPE:CLASSES[:ids=VOCABULARY]";

}  // namespace twb
