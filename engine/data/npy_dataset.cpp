#include "data/npy_dataset.h"

#include <cmath>

#include "core/error.h"
#include "data/npy_file.h"

namespace twb {

DatasetSplits openNpyPair(const std::string& spec, const std::string& rest) {
  const size_t comma = rest.find(',');
  if (comma == std::string::npos || rest.find(',', comma + 1) != std::string::npos)
    throw Error(spec + ": expected npy:SAMPLES.npy,LABELS.npy");
  const std::string samplesPath = rest.substr(0, comma), labelsPath = rest.substr(comma + 1);
  const Tensor samples = readNpyFile(samplesPath);
  const Tensor labels = readNpyFile(labelsPath);
  const Shape& shape = samples.shape();
  if (shape.size() < 2 || shape[0] < 1)
    throw Error(samplesPath + ": holds an array of " + toString(shape) +
                "; samples are (N, ...) with N >= 1 and at least one value each");
  if (labels.shape() != Shape{shape[0]})
    throw Error(labelsPath + ": holds an array of " + toString(labels.shape()) + "; " +
                samplesPath + " holds " + std::to_string(shape[0]) + " samples, so labels are (" +
                std::to_string(shape[0]) + ")");
  std::vector<int32_t> classOf(static_cast<size_t>(shape[0]));
  int64_t classes = 2;
  for (int64_t i = 0; i < shape[0]; ++i) {
    const float label = labels.data<float>()[i];
    if (!(label >= 0 && label < (1 << 20)) || label != std::floor(label))
      throw Error(labelsPath + ": label " + std::to_string(i) + " is " + std::to_string(label) +
                  ", not a class index (an integer from 0)");
    classOf[i] = static_cast<int32_t>(label);
    classes = std::max<int64_t>(classes, classOf[i] + 1);
  }
  const float* values = samples.data<float>();
  auto data = std::make_shared<InMemoryDataset>(
      spec, Shape(shape.begin() + 1, shape.end()), classes,
      std::vector<float>(values, values + samples.numel()), std::move(classOf));
  return {data, data};
}

}  // namespace twb
