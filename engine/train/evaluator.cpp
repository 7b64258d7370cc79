#include "train/evaluator.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/error.h"
#include "exec/activation_budget.h"

namespace twb {

int64_t predictedClass(const float* row, int64_t classes) {
  int64_t best = 0;
  for (int64_t c = 1; c < classes; ++c)
    if (row[c] > row[best]) best = c;
  return best;
}

namespace {
// Whether `label` is among the `k` highest of a row of logits (fewer than k classes above it).
bool amongTop(const float* row, int64_t classes, int64_t label, int64_t k) {
  int64_t higher = 0;
  for (int64_t c = 0; c < classes; ++c) higher += row[c] > row[label];
  return higher < k;
}
}  // namespace

int64_t countCorrect(const float* logits, const int32_t* labels, int64_t n, int64_t classes) {
  int64_t correct = 0;
  for (int64_t i = 0; i < n; ++i)
    correct += predictedClass(logits + i * classes, classes) == labels[i];
  return correct;
}

void writeLabels(void* buffer, const std::string& loss, const int32_t* labels, int64_t n,
                 int64_t classes) {
  if (loss != "MSE") {
    std::copy_n(labels, n, static_cast<int32_t*>(buffer));
    return;
  }
  float* target = static_cast<float*>(buffer);
  std::fill_n(target, n * classes, 0.f);
  for (int64_t i = 0; i < n; ++i) target[i * classes + labels[i]] = 1.f;
}

namespace {
// The loss of one row of logits against its label, as the job's loss node computes it (in
// double): -log softmax(row)[label], or the mean square against the one-hot row.
double sampleLoss(const std::string& loss, const float* row, int64_t classes, int32_t label) {
  double sum = 0;
  if (loss == "MSE") {
    for (int64_t c = 0; c < classes; ++c) {
      const double d = static_cast<double>(row[c]) - (c == label ? 1.0 : 0.0);
      sum += d * d;
    }
    return sum / static_cast<double>(classes);
  }
  const double top = *std::max_element(row, row + classes);
  for (int64_t c = 0; c < classes; ++c) sum += std::exp(static_cast<double>(row[c]) - top);
  return std::log(sum) + top - static_cast<double>(row[label]);
}
}  // namespace

Evaluator::Evaluator(ModelSpec model, ParameterStore& params, std::string loss,
                     Precision precision, const QuantPlan* quant)
    : m_model(std::move(model)),
      m_params(params),
      m_loss(std::move(loss)),
      m_precision(precision),
      m_quant(quant) {}

Evaluator::~Evaluator() = default;

ExecOptions Evaluator::options() const { return {ExecMode::infer, false, m_precision, m_quant}; }

Executor& Evaluator::executorFor(int64_t batch) {
  if (!m_executor || m_executor->graph().batch() != batch) {
    m_executor.reset();  // before the next one is made: never two alive
    try {
      m_executor = std::make_unique<Executor>(Graph::build(m_model, batch), m_params, options());
    } catch (const Error& e) {
      throw e.within("evaluation");
    }
  }
  return *m_executor;
}

int64_t Evaluator::chunk(const Dataset& data, int64_t batch) const {
  // Samples are independent in inference: the batch changes nothing but the memory held and
  // the passes made.
  const int64_t wanted = std::min(batch, std::max<int64_t>(data.size(), 1));
  if (wanted <= 1) return 1;
  const int64_t perSample = bytesPerSample(m_model, m_params, options());
  return evenedBatch(data.size(), batchWithinBudget(perSample, wanted));
}

MemoryNeed Evaluator::dataNeed(const Dataset& data, int64_t chunk) {
  DataLoaderOptions loading;
  loading.batch = chunk;
  MemoryNeed need = batchesInFlight(data, loading);
  need.add(static_cast<size_t>(chunk) *
               (sizeof(float) * static_cast<size_t>(numel(data.sampleShape())) + sizeof(int32_t)),
           "the batch being evaluated");
  return need;
}

void Evaluator::prepare(const Dataset& data, int64_t batch) {
  const int64_t size = chunk(data, batch);
  executorFor(size);
  const MemoryNeed need = dataNeed(data, size);
  try {
    need.checkAvailable("give a smaller evaluation batch");
  } catch (const Error& e) {
    throw e.within("evaluation");
  }
  m_dataSetAside = MemoryReservation(need.total());
}

size_t Evaluator::plannedBytes(const Dataset* data, int64_t batch) const {
  if (!data) return 0;
  const int64_t size = chunk(*data, batch);
  return dataNeed(*data, size).total() +
         Executor::plannedNeed(Graph::build(m_model, size), m_params, options()).total();
}

EvalResult Evaluator::run(std::shared_ptr<const Dataset> data, int64_t batch,
                          const Normalization& normalization,
                          const std::function<bool(double)>& progress) {
  batch = chunk(*data, batch);
  Executor& exec = executorFor(batch);
  m_dataSetAside.release();  // for the loader and the batch below, which check it is there
  DataLoaderOptions options{batch, false, false, 0, normalization, {}};
  DataLoader loader(data, options);
  const int64_t sampleSize = numel(data->sampleShape());
  std::vector<float> samples(static_cast<size_t>(batch * sampleSize));
  std::vector<int32_t> labels(static_cast<size_t>(batch));
  loader.start(0);
  const GraphValue& outputValue = exec.graph().values()[exec.graph().outputs()[0]];
  const std::string output = outputValue.name;
  const int64_t classes = outputValue.shape[1];
  EvalResult result;
  result.classes = classes;
  result.confusion.assign(static_cast<size_t>(classes * classes), 0);
  if (classes > 5) result.top5Correct = 0;
  double lossSum = 0;
  int64_t correct = 0;
  for (int64_t n; (n = loader.next(samples.data(), labels.data())) > 0;) {
    for (int64_t i = 0; i < n; ++i)
      if (labels[i] < 0 || labels[i] >= classes)
        throw Error(data->name() + ": label " + std::to_string(labels[i]) + " of sample " +
                    std::to_string(result.samples + i) + " is not one of the model's " +
                    std::to_string(classes) + " classes");
    // A last pass of fewer samples leaves the rows after them as the pass before wrote them.
    std::copy_n(samples.data(), n * sampleSize,
                static_cast<float*>(exec.inputBuffer(m_model.inputs[0].name)));
    exec.forward();
    const std::vector<float> logits = exec.read(output);
    for (int64_t i = 0; i < n; ++i) {
      const float* row = logits.data() + i * classes;
      const int64_t answer = predictedClass(row, classes);
      ++result.confusion[static_cast<size_t>(labels[i] * classes + answer)];
      correct += answer == labels[i];
      lossSum += sampleLoss(m_loss, row, classes, labels[i]);
      if (classes > 5) result.top5Correct += amongTop(row, classes, labels[i], 5);
    }
    result.samples += n;
    if (progress &&
        !progress(static_cast<double>(result.samples) / static_cast<double>(data->size())))
      throw Error("evaluation cancelled");
  }
  if (result.samples) {
    result.loss = lossSum / result.samples;
    result.accuracy = static_cast<double>(correct) / result.samples;
  }
  return result;
}

}  // namespace twb
