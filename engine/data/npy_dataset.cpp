#include "data/npy_dataset.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "core/error.h"
#include "data/npy_file.h"
#include "data/npz_file.h"

namespace twb {

namespace {
// Class labels (N) as class indices; errors name where they came from.
std::vector<int32_t> classIndices(const Tensor& labels, const std::string& labelsName,
                                  int64_t samples, const std::string& samplesName) {
  if (labels.shape() != Shape{samples})
    throw Error(labelsName + ": holds an array of " + toString(labels.shape()) + "; " +
                samplesName + " holds " + std::to_string(samples) + " samples, so labels are (" +
                std::to_string(samples) + ")");
  std::vector<int32_t> classOf(static_cast<size_t>(samples));
  for (int64_t i = 0; i < samples; ++i) {
    const float label = labels.data<float>()[i];
    if (!(label >= 0 && label < (1 << 20)) || label != std::floor(label))
      throw Error(labelsName + ": label " + std::to_string(i) + " is " + std::to_string(label) +
                  ", not a class index (an integer from 0)");
    classOf[i] = static_cast<int32_t>(label);
  }
  return classOf;
}

int64_t classCount(const std::vector<int32_t>& classOf) {
  return std::max<int64_t>(2, *std::max_element(classOf.begin(), classOf.end()) + 1);
}

void checkSampleShape(const Shape& shape, const std::string& samplesName) {
  if (shape.size() < 2 || shape[0] < 1)
    throw Error(samplesName + ": holds an array of " + toString(shape) +
                "; samples are (N, ...) with N >= 1 and at least one value each");
}

// Samples (N, ...) and class labels (N) held in memory (a .npz entry).
std::shared_ptr<Dataset> arraysDataset(const std::string& spec, const Tensor& samples,
                                       const std::string& samplesName, const Tensor& labels,
                                       const std::string& labelsName) {
  const Shape& shape = samples.shape();
  checkSampleShape(shape, samplesName);
  checkFiniteSamples(samples.data<float>(), shape[0], samples.numel() / shape[0], samplesName);
  std::vector<int32_t> classOf = classIndices(labels, labelsName, shape[0], samplesName);
  const int64_t classes = classCount(classOf);
  const float* values = samples.data<float>();
  return std::make_shared<InMemoryDataset>(spec, Shape(shape.begin() + 1, shape.end()), classes,
                                           std::vector<float>(values, values + samples.numel()),
                                           std::move(classOf));
}

// Samples of a .npy file read from disk sample by sample (pread: the data loader's workers
// read at once), the labels in memory. The file's size is checked against its shape at open.
class NpyFileDataset : public Dataset {
 public:
  NpyFileDataset(std::string spec, const std::string& samplesPath, const std::string& labelsPath)
      : m_name(std::move(spec)), m_path(samplesPath) {
    std::ifstream in(samplesPath, std::ios::binary);
    if (!in) throw Error(samplesPath + ": cannot open");
    m_header = readNpyHeader(in, samplesPath);
    checkSampleShape(m_header.shape, samplesPath);
    in.seekg(0, std::ios::end);
    const int64_t bytes = static_cast<int64_t>(m_header.count) * m_header.itemBytes;
    if (static_cast<int64_t>(in.tellg()) < m_header.dataOffset + bytes)
      throw Error(samplesPath + ": holds fewer bytes than its shape " + toString(m_header.shape) +
                  " of " + m_header.descr + " needs (" + std::to_string(bytes) + ")");
    m_labels = classIndices(readNpyFile(labelsPath), labelsPath, m_header.shape[0], samplesPath);
    m_classes = classCount(m_labels);
    m_sampleValues = m_header.count / m_header.shape[0];
    m_file = ::open(samplesPath.c_str(), O_RDONLY | O_CLOEXEC);
    if (m_file < 0) throw Error(samplesPath + ": cannot open");
  }
  ~NpyFileDataset() override { ::close(m_file); }
  NpyFileDataset(const NpyFileDataset&) = delete;
  NpyFileDataset& operator=(const NpyFileDataset&) = delete;

  std::string name() const override { return m_name; }
  int64_t size() const override { return m_header.shape[0]; }
  Shape sampleShape() const override {
    return Shape(m_header.shape.begin() + 1, m_header.shape.end());
  }
  int64_t classes() const override { return m_classes; }
  bool readsFiles() const override { return true; }

  int32_t read(int64_t index, float* out) const override {
    const size_t bytes = static_cast<size_t>(m_sampleValues) * m_header.itemBytes;
    thread_local std::vector<char> buffer;
    buffer.resize(bytes);
    const off_t offset = m_header.dataOffset + static_cast<off_t>(index * bytes);
    for (size_t done = 0; done < bytes;) {
      const ssize_t got =
          ::pread(m_file, buffer.data() + done, bytes - done, offset + static_cast<off_t>(done));
      if (got <= 0)
        throw Error(m_path + ": cannot read sample " + std::to_string(index) +
                    (got == 0 ? " (the file became shorter)" : ""));
      done += static_cast<size_t>(got);
    }
    npyToFloats(m_header, buffer.data(), m_sampleValues, out);
    checkFiniteSamples(out, 1, m_sampleValues, m_path, index);
    return m_labels[static_cast<size_t>(index)];
  }

 private:
  std::string m_name, m_path;
  NpyHeader m_header;
  int64_t m_sampleValues = 0;
  std::vector<int32_t> m_labels;
  int64_t m_classes = 2;
  int m_file = -1;
};

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
  auto data = std::make_shared<NpyFileDataset>(spec, samplesPath, labelsPath);
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
