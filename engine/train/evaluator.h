#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <vector>

#include "data/data_loader.h"
#include "exec/executor.h"

namespace twb {

struct EvalResult {
  double loss = 0;
  double accuracy = 0;  // 0 to 1
  int64_t samples = 0;
  int64_t classes = 0;
  // classes x classes counts: row = the label, column = the model's answer.
  std::vector<int64_t> confusion;
  // Samples whose label is among the model's five highest outputs (ties counted in), when the
  // model has more than five classes; -1 otherwise.
  int64_t top5Correct = -1;

  // top5Correct over samples, 0 to 1; nullopt without it (five classes or fewer, no samples).
  std::optional<double> top5Accuracy() const {
    if (top5Correct < 0 || samples <= 0) return std::nullopt;
    return static_cast<double>(top5Correct) / static_cast<double>(samples);
  }
};

// Runs a model in inference mode over a whole dataset (every sample, in passes of one executor)
// and reports the mean loss and the accuracy. The executor is made once and kept.
class Evaluator {
 public:
  // int8 needs `quant`, the calibrated plan of the model (which must outlive the evaluator).
  Evaluator(ModelSpec model, ParameterStore& params, std::string loss,
            Precision precision = Precision::fp32, const QuantPlan* quant = nullptr);
  ~Evaluator();
  // `progress` gets the share of samples done after each batch and returns false to stop (a
  // twb::Error "evaluation cancelled").
  EvalResult run(std::shared_ptr<const Dataset> data, int64_t batch,
                 const Normalization& normalization,
                 const std::function<bool(double)>& progress = {});
  // Makes the executor that run() over `data` at `batch` will use and sets aside the memory its
  // loader and batch take, so that memory it would lack is said now (before a training run's
  // first step, not after its last).
  void prepare(const Dataset& data, int64_t batch);
  // What prepare() would allocate before binding and set aside, worked out without making it
  // (Executor::plannedNeed); 0 without data.
  size_t plannedBytes(const Dataset* data, int64_t batch) const;

 private:
  ExecOptions options() const;
  // The one executor, made at `batch` (the one made at another batch goes first).
  Executor& executorFor(int64_t batch);
  // The batch run() takes at a time: within the inference budget and the data, in passes of
  // equal size but the last (planned).
  int64_t chunk(const Dataset& data, int64_t batch) const;
  // What run()'s loader and batch hold at a chunk.
  static MemoryNeed dataNeed(const Dataset& data, int64_t chunk);

  ModelSpec m_model;
  ParameterStore& m_params;
  std::string m_loss;  // the job's, computed from the outputs as its node would
  Precision m_precision;
  const QuantPlan* m_quant;
  std::unique_ptr<Executor> m_executor;
  MemoryReservation m_dataSetAside;  // dataNeed(), from prepare() until run() makes it
};

// Writes labels into the buffer of an executor's "label" input: class indices for
// SoftmaxCrossEntropy, one-hot rows for MSE.
void writeLabels(void* buffer, const std::string& loss, const int32_t* labels, int64_t n,
                 int64_t classes);

// The class a row of logits picks (the first of equal maxima).
int64_t predictedClass(const float* row, int64_t classes);

// Rows of `logits` (n x classes) whose argmax is the label.
int64_t countCorrect(const float* logits, const int32_t* labels, int64_t n, int64_t classes);

}  // namespace twb
