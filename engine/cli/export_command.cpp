#include <cstdio>
#include <filesystem>

#include "cli/commands.h"
#include "cli/model_argument.h"
#include "io/onnx_export.h"

namespace twb {

void addExportCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand(
      "export", "Write a model as ONNX (int8 models in the QDQ form) or as a .twbm model file");
  struct Args {
    std::string model, format, out;
    std::vector<std::string> inputShapes;
  };
  static Args args;
  cmd->add_option("MODEL", args.model,
                  "Model file (.twbm), ONNX model (.onnx), job file (.json), a run's folder (its "
                  "model.twbm) or template name")
      ->required();
  addInputShapeOption(*cmd, args.inputShapes);
  cmd->add_option("--format", args.format,
                  "onnx or twbm (default: from --out's extension, else onnx)")
      ->check(CLI::IsMember({"onnx", "twbm"}));
  cmd->add_option("-o,--out", args.out, "File to write")->required();
  cmd->callback([&exitCode] {
    // The file's extension says what it holds; a --format that contradicts it is a mistake,
    // not a choice to honour silently.
    const std::string ext = std::filesystem::path(args.out).extension().string();
    const std::string implied = ext == ".twbm" ? "twbm" : ext == ".onnx" ? "onnx" : "";
    if (!args.format.empty() && !implied.empty() && args.format != implied)
      throw Error("--out " + args.out + " names a ." + implied + " file but --format is " +
                  args.format);
    if (args.format.empty() && implied.empty() && !ext.empty())
      throw Error("--out " + args.out +
                  ": export writes ONNX (.onnx) or model files (.twbm), not " + ext +
                  " files; name the file so, or give --format for a name of your own");
    if (args.format.empty()) args.format = implied.empty() ? "onnx" : implied;
    const ModelFile model = loadModelArgument(args.model, parseInputShapeOptions(args.inputShapes));
    const QuantPlan* quant = model.quant ? &*model.quant : nullptr;
    if (args.format == "onnx")
      exportOnnx(args.out, model.spec, model.params, quant, model.dataset);
    else
      saveModel(args.out, model.spec, model.params, quant, model.dataset);
    std::printf("%s -> %s (%s)\n", args.model.c_str(), args.out.c_str(), args.format.c_str());
    exitCode = kExitOk;
  });
}

}  // namespace twb
