#include "train/evaluator.h"

#include <algorithm>
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

Evaluator::Evaluator(ModelSpec model, ParameterStore& params, std::string loss,
                     Precision precision, const QuantPlan* quant)
    : m_model(std::move(model)),
      m_params(params),
      m_loss(std::move(loss)),
      m_precision(precision),
      m_quant(quant) {}

Evaluator::~Evaluator() = default;

Shape Evaluator::outputShape() const {
  const Graph g = Graph::build(m_model, 1);
  return g.values()[g.outputs()[0]].shape;
}

Graph Evaluator::graphAt(int64_t batch, const Shape& outputShape) const {
  return Graph::build(withLoss(m_model, m_loss, outputShape), batch);
}

ExecOptions Evaluator::options() const { return {ExecMode::infer, false, m_precision, m_quant}; }

Executor& Evaluator::executorFor(int64_t batch, const Shape& outputShape) {
  auto& slot = m_executors[batch];
  if (!slot) {
    try {
      slot = std::make_unique<Executor>(graphAt(batch, outputShape), m_params, options());
    } catch (const Error& e) {
      m_executors.erase(batch);
      throw e.within("evaluation");
    }
  }
  return *slot;
}

int64_t Evaluator::chunk(const Dataset& data, int64_t batch) const {
  // Samples are independent in inference: a smaller batch changes nothing but the memory held.
  const int64_t wanted = std::min(batch, std::max<int64_t>(data.size(), 1));
  if (wanted <= 1) return 1;
  const int64_t perSample = bytesPerSample(m_model, m_params, options());
  const int64_t whole = batchWithinBudget(perSample, wanted);
  // Data of more than one pass has the chunk's executor and the ragged last pass's alive
  // together: half the budget each.
  return whole >= data.size()
             ? whole
             : batchWithinBudget(perSample, wanted, kInferenceActivationBudget / 2);
}

std::vector<int64_t> Evaluator::batches(int64_t samples, int64_t chunk) {
  std::vector<int64_t> sizes;
  if (samples >= chunk) sizes.push_back(chunk);
  if (samples % chunk) sizes.push_back(samples % chunk);
  return sizes;
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
  const Shape shape = outputShape();
  const int64_t size = chunk(data, batch);
  for (const int64_t b : batches(data.size(), size)) executorFor(b, shape);
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
  const Shape shape = outputShape();
  const int64_t size = chunk(*data, batch);
  size_t bytes = dataNeed(*data, size).total();
  for (const int64_t b : batches(data->size(), size))
    bytes += Executor::plannedNeed(graphAt(b, shape), m_params, options()).total();
  return bytes;
}

EvalResult Evaluator::run(std::shared_ptr<const Dataset> data, int64_t batch,
                          const Normalization& normalization,
                          const std::function<bool(double)>& progress) {
  const Shape outputShape = this->outputShape();
  batch = chunk(*data, batch);
  m_dataSetAside.release();  // for the loader and the batch below, which check it is there
  DataLoaderOptions options{batch, false, false, 0, normalization, {}};
  DataLoader loader(data, options);
  std::vector<float> samples(static_cast<size_t>(batch * numel(data->sampleShape())));
  std::vector<int32_t> labels(static_cast<size_t>(batch));
  loader.start(0);
  const int64_t classes = outputShape[1];
  EvalResult result;
  result.classes = classes;
  result.confusion.assign(static_cast<size_t>(classes * classes), 0);
  if (classes > 5) result.top5Correct = 0;
  double lossSum = 0;
  int64_t correct = 0;
  const std::string output = m_model.outputs.empty() ? m_model.nodes.back().name : m_model.outputs[0];
  for (int64_t n; (n = loader.next(samples.data(), labels.data())) > 0;) {
    for (int64_t i = 0; i < n; ++i)
      if (labels[i] < 0 || labels[i] >= classes)
        throw Error(data->name() + ": label " + std::to_string(labels[i]) + " of sample " +
                    std::to_string(result.samples + i) + " is not one of the model's " +
                    std::to_string(classes) + " classes");
    Executor& exec = executorFor(n, outputShape);
    std::copy_n(samples.data(), n * numel(data->sampleShape()),
                static_cast<float*>(exec.inputBuffer(m_model.inputs[0].name)));
    writeLabels(exec.inputBuffer("label"), m_loss, labels.data(), n, classes);
    exec.forward();
    lossSum += static_cast<double>(exec.plainValue("loss")[0]) * n;
    const std::vector<float> logits = exec.read(output);
    for (int64_t i = 0; i < n; ++i) {
      const int64_t answer = predictedClass(logits.data() + i * classes, classes);
      ++result.confusion[static_cast<size_t>(labels[i] * classes + answer)];
      correct += answer == labels[i];
      if (classes > 5)
        result.top5Correct += amongTop(logits.data() + i * classes, classes, labels[i], 5);
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
