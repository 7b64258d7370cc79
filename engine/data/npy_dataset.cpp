#include "data/npy_dataset.h"

#include <cmath>

#include "core/error.h"
#include "data/npy_file.h"
#include "data/npz_file.h"

namespace twb {

namespace {
// Samples (N, ...) and class labels (N) as a dataset; errors name where each came from.
std::shared_ptr<Dataset> arraysDataset(const std::string& spec, const Tensor& samples,
                                       const std::string& samplesName, const Tensor& labels,
                                       const std::string& labelsName) {
  const Shape& shape = samples.shape();
  if (shape.size() < 2 || shape[0] < 1)
    throw Error(samplesName + ": holds an array of " + toString(shape) +
                "; samples are (N, ...) with N >= 1 and at least one value each");
  if (labels.shape() != Shape{shape[0]})
    throw Error(labelsName + ": holds an array of " + toString(labels.shape()) + "; " +
                samplesName + " holds " + std::to_string(shape[0]) + " samples, so labels are (" +
                std::to_string(shape[0]) + ")");
  std::vector<int32_t> classOf(static_cast<size_t>(shape[0]));
  int64_t classes = 2;
  for (int64_t i = 0; i < shape[0]; ++i) {
    const float label = labels.data<float>()[i];
    if (!(label >= 0 && label < (1 << 20)) || label != std::floor(label))
      throw Error(labelsName + ": label " + std::to_string(i) + " is " + std::to_string(label) +
                  ", not a class index (an integer from 0)");
    classOf[i] = static_cast<int32_t>(label);
    classes = std::max<int64_t>(classes, classOf[i] + 1);
  }
  const float* values = samples.data<float>();
  return std::make_shared<InMemoryDataset>(spec, Shape(shape.begin() + 1, shape.end()), classes,
                                           std::vector<float>(values, values + samples.numel()),
                                           std::move(classOf));
}

// "A,B" as its two names; `expected` describes the form for the error.
std::pair<std::string, std::string> twoNames(const std::string& spec, const std::string& text,
                                             const std::string& expected) {
  const size_t comma = text.find(',');
  if (comma == std::string::npos || text.find(',', comma + 1) != std::string::npos || comma == 0 ||
      comma + 1 == text.size())
    throw Error(spec + ": expected " + expected);
  return {text.substr(0, comma), text.substr(comma + 1)};
}
}  // namespace

DatasetSplits openNpyPair(const std::string& spec, const std::string& rest) {
  const auto [samplesPath, labelsPath] = twoNames(spec, rest, "npy:SAMPLES.npy,LABELS.npy");
  auto data = arraysDataset(spec, readNpyFile(samplesPath), samplesPath, readNpyFile(labelsPath),
                            labelsPath);
  return {data, data};
}

DatasetSplits openNpz(const std::string& spec, const std::string& rest) {
  // FILE.npz or FILE.npz:SAMPLES,LABELS; the path itself may hold ':' only before ".npz".
  const size_t end = rest.rfind(".npz");
  if (end == std::string::npos)
    throw Error(spec + ": expected npz:FILE.npz or npz:FILE.npz:SAMPLES,LABELS");
  const std::string path = rest.substr(0, end + 4);
  const NpzFile archive(path);
  auto pair = [&](const std::string& x, const std::string& y) {
    const Tensor samples = archive.read(x);  // first, so a missing pair names its samples
    return arraysDataset(spec, samples, path + ": array '" + x + "'", archive.read(y),
                         path + ": array '" + y + "'");
  };
  if (end + 4 < rest.size()) {
    if (rest[end + 4] != ':') throw Error(spec + ": expected npz:FILE.npz:SAMPLES,LABELS");
    const auto [x, y] =
        twoNames(spec, rest.substr(end + 5), "npz:FILE.npz:SAMPLES,LABELS (two array names)");
    auto data = pair(x, y);
    return {data, data};
  }
  // Keras' layout (mnist.npz): x_train, y_train, and x_test, y_test when held.
  auto train = pair("x_train", "y_train");
  const bool test = archive.has("x_test") || archive.has("y_test");
  return {train, test ? pair("x_test", "y_test") : train};
}

}  // namespace twb
