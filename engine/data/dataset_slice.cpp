#include "core/error.h"
#include "data/dataset.h"

namespace twb {

namespace {
class DatasetSlice : public Dataset {
 public:
  DatasetSlice(std::shared_ptr<const Dataset> dataset, int64_t begin, int64_t end)
      : m_dataset(std::move(dataset)), m_begin(begin), m_end(end) {}
  std::string name() const override {
    return m_dataset->name() + "[" + std::to_string(m_begin) + ":" + std::to_string(m_end) + "]";
  }
  int64_t size() const override { return m_end - m_begin; }
  Shape sampleShape() const override { return m_dataset->sampleShape(); }
  int64_t classes() const override { return m_dataset->classes(); }
  int32_t read(int64_t index, float* out) const override {
    return m_dataset->read(m_begin + index, out);
  }
  Normalization defaultNormalization() const override { return m_dataset->defaultNormalization(); }
  bool readsFiles() const override { return m_dataset->readsFiles(); }
  std::vector<std::string> classNames() const override { return m_dataset->classNames(); }

 private:
  std::shared_ptr<const Dataset> m_dataset;
  int64_t m_begin, m_end;
};
}  // namespace

std::shared_ptr<const Dataset> sliceDataset(std::shared_ptr<const Dataset> dataset, int64_t begin,
                                            int64_t end) {
  if (begin < 0 || end < begin || end > dataset->size())
    throw Error(dataset->name() + ": samples [" + std::to_string(begin) + ", " +
                std::to_string(end) + ") are outside its " + std::to_string(dataset->size()));
  return std::make_shared<DatasetSlice>(std::move(dataset), begin, end);
}

}  // namespace twb
