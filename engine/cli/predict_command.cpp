#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <numeric>

#include "cli/commands.h"
#include "cli/model_argument.h"
#include "cli/option_checks.h"
#include "cli/output_file.h"
#include "cli/predict_inputs.h"
#include "cli/progress_bar.h"
#include "core/error.h"
#include "data/npy_file.h"
#include "exec/activation_budget.h"
#include "exec/executor.h"
#include "io/edited_model.h"
#include "io/model_file.h"

namespace twb {

namespace {
// The k largest entries of one row of class scores, as probabilities: the row itself when it
// already sums to 1 (a Softmax output), else its softmax.
std::vector<std::pair<int64_t, float>> topK(const float* row, int64_t classes, int64_t k) {
  std::vector<float> p(row, row + classes);
  const float sum = std::accumulate(p.begin(), p.end(), 0.f);
  const bool probabilities = std::abs(sum - 1.f) < 1e-4f &&
                             std::all_of(p.begin(), p.end(), [](float v) { return v >= 0; });
  if (!probabilities) {
    const float top = *std::max_element(p.begin(), p.end());
    float total = 0;
    for (float& v : p) total += (v = std::exp(v - top));
    for (float& v : p) v /= total;
  }
  std::vector<int64_t> order(classes);
  std::iota(order.begin(), order.end(), 0);
  k = std::min(k, classes);
  std::partial_sort(order.begin(), order.begin() + k, order.end(),
                    [&](int64_t a, int64_t b) { return p[a] > p[b]; });
  std::vector<std::pair<int64_t, float>> best;
  for (int64_t i = 0; i < k; ++i) best.emplace_back(order[i], p[order[i]]);
  return best;
}
}  // namespace

void addPredictCommand(CLI::App& app, int& exitCode) {
  auto* cmd =
      app.add_subcommand("predict", "Run a model on arrays (.npy) or images and write its outputs");
  struct Args {
    std::string model, out, precision = "fp32";
    std::vector<std::string> inputs, inputShapes;
    std::vector<float> mean, std;
    int64_t batch = 64, top = -1;  // -1: not given
    bool winograd = true;
  };
  static Args args;
  cmd->add_option("MODEL", args.model,
                  "Model file (.twbm), ONNX model (.onnx) or a run's folder (its model.twbm)")
      ->required();
  addInputShapeOption(*cmd, args.inputShapes);
  cmd->add_option("INPUT,-i,--input", args.inputs,
                  "Inputs: arrays (.npy) of one sample or a stack of samples, fed as they are "
                  "(normalise them as the model was trained); images (.png, .jpg), scaled "
                  "and centre-cropped to the model's input and normalised as in training; or "
                  "folders of them (every image and array under one, by path)")
      ->required();
  cmd->add_option("--mean", args.mean,
                  "Per-channel mean to subtract from images (default: the model file's, from "
                  "training)")
      ->delimiter(',');
  cmd->add_option("--std", args.std, "Per-channel std to divide images by (with --mean)")
      ->delimiter(',');
  cmd->add_option("-o,--out", args.out,
                  "Outputs of every sample, in input order (.npy); without it, nothing is written "
                  "and each sample's most likely classes are printed");
  cmd->add_option("--top", args.top,
                  "Print the K most likely classes of each sample (default: 3 without --out, "
                  "none with it)")
      ->check(countAtLeast(0));
  cmd->add_option("--batch", args.batch, "Samples per forward pass")->check(countAtLeast(1));
  cmd->add_option("--precision", args.precision,
                  "fp32, bf16 or int8 (int8 needs a model made by twb-engine quantize)")
      ->check(CLI::IsMember({"fp32", "bf16", "int8"}));
  addWinogradOption(*cmd, args.winograd, "--winograd");
  cmd->callback([&exitCode] {
    // Where the outputs go is checked before any sample is read or run.
    if (!args.out.empty()) checkOutputFile(args.out, ".npy", "predict writes a NumPy array");
    const int64_t top = args.top >= 0 ? args.top : args.out.empty() ? 3 : 0;
    if (args.out.empty() && top == 0)
      throw Error("--top 0 without --out: nothing to show; give -o OUT.npy to write the outputs");
    ModelFile model = loadModelFileArgument(args.model, parseInputShapeOptions(args.inputShapes));
    if (model.spec.inputs.size() != 1)
      throw Error(args.model + ": predict feeds models of one input; this one has " +
                  std::to_string(model.spec.inputs.size()));
    const Precision precision = parsePrecision(args.precision);
    model = inferenceForm(std::move(model), precision, args.model);
    const Shape sample = model.spec.inputs[0].shape;
    std::optional<Normalization> normalization = model.dataset.normalization;
    if (!args.mean.empty() || !args.std.empty()) {
      const int64_t channels = sample.size() == 3 ? sample[0] : 1;
      for (const auto* values : {&args.mean, &args.std})
        if (values->size() != 1 && static_cast<int64_t>(values->size()) != channels)
          throw Error(std::string(values == &args.mean ? "--mean" : "--std") + ": needs 1 or " +
                      std::to_string(channels) + " values, has " + std::to_string(values->size()));
      if (args.mean.size() != args.std.size())
        throw Error("--mean and --std need as many values each");
      for (float s : args.std)
        if (!(s > 0)) throw Error("--std: values must be > 0");
      normalization = Normalization{args.mean, args.std};
    }
    // Every input is checked (its shape, or an image's fit) before any is read whole; then they
    // are read one at a time, so a folder of images need not fit in memory.
    const std::vector<PredictInput> files = listPredictInputs(args.inputs, sample, normalization);
    int64_t total = 0;
    for (const PredictInput& file : files) total += file.samples;

    ExecOptions options{ExecMode::infer, false, precision, model.quant ? &*model.quant : nullptr};
    options.frozen = true;
    options.winograd = args.winograd;
    const int64_t batch = batchWithinBudget(model.spec, model.params, options, args.batch);
    if (batch < args.batch)
      std::fprintf(stderr,
                   "note: %lld samples per pass instead of %lld keep what grows with them under "
                   "%lld MiB\n",
                   static_cast<long long>(batch), static_cast<long long>(args.batch),
                   static_cast<long long>(kInferenceActivationBudget >> 20));
    Executor exec(Graph::build(model.spec, batch), model.params, options);
    const GraphValue& outputValue = exec.graph().values()[exec.graph().outputs()[0]];
    const std::string output = outputValue.name;
    const Shape outShape = outputValue.shape;
    const int64_t perSample = numel(outShape) / batch;
    if (top > 0 && outShape.size() != 2)
      throw Error(args.model + ": its output '" + output + "' gives each sample " +
                  toString(Shape(outShape.begin() + 1, outShape.end())) +
                  ", not a score per class to rank" +
                  (args.out.empty() ? ": give -o OUT.npy to write it" : ": leave out --top"));
    Shape resultShape = outShape;
    resultShape[0] = total;
    Tensor result(resultShape, DType::f32);

    // Samples are gathered into batches across files; a last short batch is padded with zeros
    // (inference treats samples independently) and its padding's outputs dropped.
    const int64_t sampleValues = numel(sample);
    auto* in = static_cast<float*>(exec.inputBuffer(model.spec.inputs[0].name));
    int64_t done = 0, filled = 0;
    StageProgress progress(isatty(STDERR_FILENO), false);  // a bar on a terminal only, as eval's
    auto runBatch = [&] {
      std::fill(in + filled * sampleValues, in + batch * sampleValues, 0.f);
      exec.forward();
      const std::vector<float> out = exec.read(output);
      std::memcpy(result.data<float>() + done * perSample, out.data(),
                  static_cast<size_t>(filled * perSample) * sizeof(float));
      done += filled;
      filled = 0;
      progress.update("predicting", static_cast<double>(done) / static_cast<double>(total));
    };
    for (const PredictInput& file : files) {
      const Tensor values = readPredictInput(file, sample, normalization);
      for (int64_t s = 0; s < file.samples; ++s) {
        std::memcpy(in + filled * sampleValues, values.data<float>() + s * sampleValues,
                    static_cast<size_t>(sampleValues) * sizeof(float));
        if (++filled == batch) runBatch();
      }
    }
    if (filled > 0) runBatch();
    progress.finish();
    if (!args.out.empty()) writeNpyFile(args.out, result);

    if (top > 0) {
      int64_t index = 0;
      for (const PredictInput& file : files)
        for (int64_t s = 0; s < file.samples; ++s, ++index) {
          std::printf("%s[%lld]:", file.path.c_str(), static_cast<long long>(s));
          for (const auto& [cls, p] :
               topK(result.data<float>() + index * perSample, perSample, top)) {
            const auto& names = model.dataset.classNames;
            if (cls < static_cast<int64_t>(names.size()))
              std::printf(" %s (%.4f)", names[cls].c_str(), p);
            else
              std::printf(" %lld (%.4f)", static_cast<long long>(cls), p);
          }
          std::printf("\n");
        }
    }
    if (!args.out.empty())
      std::fprintf(stderr, "%s: %lld sample%s -> %s %s\n", args.model.c_str(),
                   static_cast<long long>(total), total == 1 ? "" : "s", args.out.c_str(),
                   toString(resultShape).c_str());
    exitCode = kExitOk;
  });
}

}  // namespace twb
