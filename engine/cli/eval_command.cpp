#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/class_report.h"
#include "cli/commands.h"
#include "cli/model_argument.h"
#include "cli/option_checks.h"
#include "cli/progress_bar.h"
#include "core/error.h"
#include "io/edited_model.h"
#include "io/model_file.h"
#include "train/evaluator.h"

namespace twb {

void addEvalCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("eval", "Evaluate a model file on a dataset's test split");
  struct Args {
    std::string model, dataset, precision = "fp32", confusion;
    int64_t batch = 1000;
    bool json = false, perClass = false;
    std::vector<std::string> inputShapes;
  };
  static Args args;
  cmd->add_option("MODEL", args.model,
                  "Model file (.twbm), ONNX model (.onnx) or a run's folder (its model.twbm)")
      ->required();
  addInputShapeOption(*cmd, args.inputShapes);
  cmd->add_option("--dataset", args.dataset,
                  std::string(kDatasetSpecForms) +
                      " (default: the data the model was evaluated on in training, as its file "
                      "records it)");
  cmd->add_option("--batch", args.batch, "Evaluation batch")->check(countAtLeast(1));
  cmd->add_option("--precision", args.precision,
                  "fp32, bf16 or int8 (int8 needs a model made by twb-engine quantize)")
      ->check(CLI::IsMember({"fp32", "bf16", "int8"}));
  cmd->add_flag("--json", args.json, "Print one JSON object");
  cmd->add_flag("--per-class", args.perClass,
                "Also each class's accuracy (of its samples, the share answered right), precision "
                "(of the model's answers of it, the share that are right) and the class it is most "
                "often taken for (with --json: per_class and the confusion matrix)");
  cmd->add_option(
      "--confusion", args.confusion,
      "Write the confusion matrix as CSV (rows: the label, columns: the model's answer)");
  cmd->callback([&exitCode] {
    ModelFile model = loadModelFileArgument(args.model, parseInputShapeOptions(args.inputShapes));
    const DatasetSplits data = openDataset(
        args.dataset.empty() ? recordedDataset(model, args.model, "--dataset", true) : args.dataset,
        model.spec.soleInputShape());
    if (model.spec.inputs.size() != 1)
      throw Error(args.model + ": eval feeds a model one input; this one has " +
                  std::to_string(model.spec.inputs.size()));
    if (const InputSpec& input = model.spec.inputs[0]; input.shape != data.test->sampleShape())
      throw Error(args.model + ": input '" + input.name + "' takes samples of " +
                  toString(input.shape) + ", but " + data.test->name() + " has samples of " +
                  toString(data.test->sampleShape()));
    const Precision precision = parsePrecision(args.precision);
    model = inferenceForm(std::move(model), precision, args.model);
    Evaluator evaluator(model.spec, model.params, "SoftmaxCrossEntropy", precision,
                        model.quant ? &*model.quant : nullptr);
    // As the model was trained, when its file says so. A bar on a terminal only: --json's
    // output stays one object wherever stderr goes.
    StageProgress progress(isatty(STDERR_FILENO), false);
    const EvalResult r = evaluator.run(
        data.test, args.batch,
        model.dataset.normalization.value_or(data.test->defaultNormalization()), [&](double f) {
          progress.update("evaluating", f);
          return true;
        });
    progress.finish();
    // The dataset's names describe the labels counted; a model trained on other names is
    // worth a word, since its answers may mean other classes.
    std::vector<std::string> names = data.test->classNames();
    if (names.empty())
      names = model.dataset.classNames;
    else if (!model.dataset.classNames.empty() && model.dataset.classNames != names)
      std::fprintf(stderr, "warning: %s was trained on classes named differently from %s's\n",
                   args.model.c_str(), data.test->name().c_str());
    const std::vector<ClassScore> scores = classScores(r, names);
    if (!args.confusion.empty()) writeConfusionCsv(args.confusion, r, scores);
    if (args.json) {
      nlohmann::json j{{"model", args.model},         {"dataset", data.test->name()},
                       {"precision", args.precision}, {"samples", r.samples},
                       {"accuracy", r.accuracy},      {"loss", r.loss}};
      if (const auto top5 = r.top5Accuracy()) j["top5_accuracy"] = *top5;
      if (args.perClass) {
        for (const ClassScore& s : scores)
          j["per_class"].push_back(
              {{"class", s.name},
               {"samples", s.samples},
               {"correct", s.correct},
               {"answered", s.answered},
               {"mistaken_for",
                s.mistakenFor >= 0 ? nlohmann::json(scores[s.mistakenFor].name) : nlohmann::json()},
               {"mistaken_count", s.mistakenCount}});
        j["confusion"] = confusionJson(r);
      }
      std::printf("%s\n", j.dump().c_str());
    } else {
      std::printf("%s on %s: accuracy %.4f", args.model.c_str(), data.test->name().c_str(),
                  r.accuracy);
      if (const auto top5 = r.top5Accuracy()) std::printf(" (top-5 %.4f)", *top5);
      std::printf(", loss %.4f over %lld samples\n", r.loss, static_cast<long long>(r.samples));
      if (args.perClass) printClassTable(scores);
    }
    exitCode = kExitOk;
  });
}

}  // namespace twb
