#include <cstdio>

#include "cli/commands.h"
#include "cli/model_argument.h"
#include "cli/output_file.h"
#include "core/error.h"
#include "graph/graph.h"
#include "io/onnx_import.h"

namespace twb {

void addImportCommand(CLI::App& app, int& exitCode) {
  auto* cmd = app.add_subcommand("import", "Convert an ONNX model into a model file (.twbm)");
  struct Args {
    std::string onnx, out;
    std::vector<std::string> inputShapes;
  };
  static Args args;
  cmd->add_option("FILE", args.onnx, "ONNX model (.onnx)")->required();
  cmd->add_option("-o,--out", args.out, "Model file to write (.twbm)")->required();
  addInputShapeOption(*cmd, args.inputShapes);
  cmd->callback([&exitCode] {
    checkOutputFile(args.out, ".twbm", "import writes a model file", "export writes ONNX");
    const ModelFile model = importOnnx(args.onnx, parseInputShapeOptions(args.inputShapes));
    saveModel(args.out, model.spec, model.params, model.quant ? &*model.quant : nullptr,
              model.dataset);
    const Graph graph = Graph::build(model.spec, 1);
    const std::string int8 =
        model.quant ? ", " + std::to_string(model.quant->int8LayerCount()) + " int8 layers" : "";
    std::printf("%s: %zu nodes, %lld parameters%s, %.1f MFLOP per sample -> %s\n",
                args.onnx.c_str(), graph.nodes().size(),
                static_cast<long long>(graph.parameterCount()), int8.c_str(),
                graph.forwardFlops() / 1e6, args.out.c_str());
    for (const std::string& note : model.notes) std::printf("note: %s\n", note.c_str());
    exitCode = kExitOk;
  });
}

}  // namespace twb
