#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "core/error.h"
#include "data/csv_dataset.h"
#include "data/dataset.h"
#include "data/idx_file.h"
#include "data/image_folder_dataset.h"
#include "data/npy_dataset.h"
#include "data/synthetic_dataset.h"

namespace twb {

namespace {
namespace fs = std::filesystem;

constexpr const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";
// The labels' meanings, from each dataset's own description.
const std::vector<std::string> kFashionMnistClasses{
    "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
const std::vector<std::string> kCifar10Classes{"airplane", "automobile", "bird",  "cat",  "deer",
                                               "dog",      "frog",       "horse", "ship", "truck"};

// "DIR/NAME" or "DIR/NAME.gz", whichever exists.
std::string findIdx(const std::string& dir, const std::string& name) {
  for (const auto& candidate : {dir + "/" + name, dir + "/" + name + ".gz"})
    if (fs::exists(candidate)) return candidate;
  throw Error(dir + ": missing " + name + " (or " + name + ".gz)");
}

std::shared_ptr<InMemoryDataset> idxSplit(const std::string& dir, const std::string& prefix,
                                          const std::string& name,
                                          const Normalization& normalization) {
  const std::string imagesPath = findIdx(dir, prefix + "-images-idx3-ubyte");
  const std::string labelsPath = findIdx(dir, prefix + "-labels-idx1-ubyte");
  IdxArray images = readIdxFile(imagesPath);
  IdxArray labels = readIdxFile(labelsPath);
  if (images.dims.size() != 3)
    throw Error(imagesPath + ": expected 3 dimensions (count, rows, columns), found " +
                std::to_string(images.dims.size()));
  if (labels.dims.size() != 1)
    throw Error(labelsPath + ": expected 1 dimension (count), found " +
                std::to_string(labels.dims.size()));
  if (images.dims[0] != labels.dims[0])
    throw Error(labelsPath + ": holds " + std::to_string(labels.dims[0]) + " labels but " +
                imagesPath + " holds " + std::to_string(images.dims[0]) + " images");
  std::vector<int32_t> y(labels.data.begin(), labels.data.end());
  int64_t classes = 0;
  for (int32_t label : y) classes = std::max<int64_t>(classes, label + 1);
  classes = std::max<int64_t>(classes, 10);
  return std::make_shared<InMemoryDataset>(name, Shape{1, images.dims[1], images.dims[2]}, classes,
                                           std::move(images.data), std::move(y), normalization);
}

DatasetSplits idxDataset(const std::string& dir, const std::string& name,
                         const Normalization& normalization,
                         const std::vector<std::string>& classNames = {}) {
  if (!fs::is_directory(dir)) throw Error(name + ": dataset folder " + dir + " does not exist");
  const auto train = idxSplit(dir, "train", name, normalization),
             test = idxSplit(dir, "t10k", name + " (test)", normalization);
  for (const auto& split : {train, test})
    if (split->classes() == static_cast<int64_t>(classNames.size()))
      split->setClassNames(classNames);
  return {train, test};
}

std::shared_ptr<Dataset> cifarSplit(const std::vector<std::string>& files,
                                    const std::string& name) {
  constexpr int64_t kRecord = 1 + 3 * 32 * 32;
  std::vector<uint8_t> pixels;
  std::vector<int32_t> labels;
  for (const auto& path : files) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw Error(path + ": cannot open");
    std::vector<char> bytes((std::istreambuf_iterator<char>(in)), {});
    if (bytes.empty() || bytes.size() % kRecord)
      throw Error(path + ": " + std::to_string(bytes.size()) + " bytes is not a whole number of " +
                  "CIFAR-10 records of " + std::to_string(kRecord) + " bytes");
    for (size_t r = 0; r < bytes.size(); r += kRecord) {
      const auto label = static_cast<uint8_t>(bytes[r]);
      if (label > 9)
        throw Error(path + ": record " + std::to_string(r / kRecord) + " has label " +
                    std::to_string(label) + ", outside 0 to 9");
      labels.push_back(label);
      pixels.insert(pixels.end(), bytes.begin() + r + 1, bytes.begin() + r + kRecord);
    }
  }
  auto dataset = std::make_shared<InMemoryDataset>(
      name, Shape{3, 32, 32}, 10, std::move(pixels), std::move(labels),
      Normalization{{0.4914f, 0.4822f, 0.4465f}, {0.2470f, 0.2435f, 0.2616f}});
  dataset->setClassNames(kCifar10Classes);
  return dataset;
}

DatasetSplits cifarDataset(const std::string& dir) {
  if (!fs::is_directory(dir)) throw Error("cifar10: dataset folder " + dir + " does not exist");
  std::vector<std::string> train;
  for (int i = 1; i <= 5; ++i) train.push_back(dir + "/data_batch_" + std::to_string(i) + ".bin");
  return {cifarSplit(train, "cifar10:" + dir),
          cifarSplit({dir + "/test_batch.bin"}, "cifar10:" + dir + " (test)")};
}

// A whole number of at most `digits` digits and at least `least`, or -1.
int64_t smallInteger(const std::string& text, size_t digits, int64_t least) {
  if (text.empty() || text.size() > digits ||
      text.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  const int64_t value = std::stoll(text);
  return value >= least ? value : -1;
}

DatasetSplits syntheticDataset(const std::string& spec, const std::string& rest) {
  std::vector<std::string> parts;
  std::stringstream ss(rest);
  for (std::string part; std::getline(ss, part, ':');) parts.push_back(part);
  // Token ids for a text model, last: synthetic:SHAPE:CLASSES[:SIZE]:ids=VOCABULARY.
  int64_t vocabulary = 0;
  if (parts.size() >= 3 && parts.back().rfind("ids=", 0) == 0) {
    vocabulary = smallInteger(parts.back().substr(4), 9, 1);
    if (vocabulary < 0)
      throw Error(spec + ": ids=VOCABULARY must be an integer >= 1 (token ids are below it)");
    parts.pop_back();
  }
  if (parts.size() != 2 && parts.size() != 3)
    throw Error(spec +
                ": expected synthetic:SHAPE:CLASSES[:SIZE][:ids=VOCABULARY], e.g. "
                "synthetic:3x32x32:10, or synthetic:128:2:ids=30522 for a text model");
  Shape shape;
  try {
    shape = parseShape(parts[0]);
  } catch (const Error& e) {
    throw e.within(spec);
  }
  const int64_t classes = smallInteger(parts[1], 6, 2);
  if (classes < 0) throw Error(spec + ": CLASSES must be an integer >= 2");
  const int64_t size = parts.size() == 3 ? smallInteger(parts[2], 10, 1) : 10000;
  if (size < 0) throw Error(spec + ": SIZE must be an integer >= 1 (training samples)");
  // Samples are made from (seed, index) on every read: any size costs no memory.
  return {std::make_shared<SyntheticDataset>(shape, classes, size, 1, vocabulary),
          std::make_shared<SyntheticDataset>(shape, classes, std::max<int64_t>(1, size / 5), 2,
                                             vocabulary)};
}
// "npy:x.npy,y.npy" as ("npy", "x.npy,y.npy"); a spec without a colon has no rest.
std::pair<std::string, std::string> kindAndRest(const std::string& spec) {
  const size_t colon = spec.find(':');
  return {spec.substr(0, colon), colon == std::string::npos ? "" : spec.substr(colon + 1)};
}
}  // namespace

std::vector<std::string> datasetFilesReadWhole(const std::string& spec) {
  const auto [kind, rest] = kindAndRest(spec);
  if (spec == "fashion-mnist") return {kFashionMnistDir};
  if (rest.empty()) return {};
  if (kind == "idx" || kind == "cifar10" || kind == "csv") return {rest};
  if (kind == "npz" && rest.rfind(".npz") != std::string::npos)
    return {rest.substr(0, rest.rfind(".npz") + 4)};
  return {};  // npy reads its samples as drawn, images decode them, synthetic makes them
}

std::string mapDatasetPaths(const std::string& spec,
                            const std::function<std::string(const std::string&)>& path) {
  const auto [kind, rest] = kindAndRest(spec);
  if (rest.empty()) return spec;
  if (kind == "idx" || kind == "cifar10" || kind == "csv") return kind + ":" + path(rest);
  if (const size_t comma = rest.find(','); kind == "npy" && comma != std::string::npos)
    return "npy:" + path(rest.substr(0, comma)) + "," + path(rest.substr(comma + 1));
  if (const size_t end = rest.rfind(".npz"); kind == "npz" && end != std::string::npos)
    return "npz:" + path(rest.substr(0, end + 4)) + rest.substr(end + 4);
  if (kind == "images") {
    const size_t option = rest.rfind(":test=");  // as openImageFolder splits it
    return option == std::string::npos
               ? "images:" + path(rest)
               : "images:" + path(rest.substr(0, option)) + rest.substr(option);
  }
  return spec;
}

DatasetSplits openDataset(const std::string& spec, const Shape& modelInput) {
  const auto [kind, rest] = kindAndRest(spec);
  if (spec == "fashion-mnist")
    return idxDataset(kFashionMnistDir, "fashion-mnist", Normalization{{0.2860f}, {0.3530f}},
                      kFashionMnistClasses);
  if (kind == "idx" && !rest.empty()) return idxDataset(rest, spec, Normalization{{0.5f}, {0.5f}});
  if (kind == "cifar10" && !rest.empty()) return cifarDataset(rest);
  if (kind == "csv" && !rest.empty()) return openCsv(rest);
  if (kind == "npy" && !rest.empty()) return openNpyPair(spec, rest);
  if (kind == "npz" && !rest.empty()) return openNpz(spec, rest);
  if (kind == "images" && !rest.empty()) return openImageFolder(spec, rest, modelInput);
  if (kind == "synthetic") return syntheticDataset(spec, rest);
  throw Error("unknown dataset '" + spec + "' (expected " + kDatasetSpecForms + ")");
}

}  // namespace twb
