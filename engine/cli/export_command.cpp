#include <cstdio>

#include "cli/commands.h"
#include "cli/model_argument.h"
#include "io/onnx_export.h"

namespace twb {

void addExportCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("export", "Write a model as ONNX (int8 models in the QDQ form) or as a .twbm model file");
  struct Args {
    std::string model, format = "onnx", out;
  };
  static Args args;
  cmd->add_option("MODEL", args.model, "Model file (.twbm), job file (.json) or template name")
      ->required();
  cmd->add_option("--format", args.format, "onnx or twbm")->check(CLI::IsMember({"onnx", "twbm"}));
  cmd->add_option("--out", args.out, "File to write")->required();
  cmd->callback([&exitCode] {
    const ModelFile model = loadModelArgument(args.model);
    const QuantPlan* quant = model.quant ? &*model.quant : nullptr;
    if (args.format == "onnx") exportOnnx(args.out, model.spec, model.params, quant);
    else saveModel(args.out, model.spec, model.params, quant, model.dataset);
    std::printf("%s -> %s (%s)\n", args.model.c_str(), args.out.c_str(), args.format.c_str());
    exitCode = kExitOk;
  });
}

}  // namespace twb
