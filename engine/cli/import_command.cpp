#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "cli/output_file.h"
#include "core/error.h"
#include "graph/graph.h"
#include "io/input_shapes.h"
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
  cmd->add_option("--out", args.out, "Model file to write (.twbm)")->required();
  cmd->add_option("--input-shape", args.inputShapes,
                  "NAME=D1xD2...: an input's dimensions after the batch, where the file leaves "
                  "them free (a text model's sequence length); repeat for several inputs");
  cmd->callback([&exitCode] {
    checkOutputFile(args.out, ".twbm", "import writes a model file", "export writes ONNX");
    std::map<std::string, Shape> inputShapes;
    for (const std::string& given : args.inputShapes) {
      std::pair<std::string, Shape> parsed;
      try {
        parsed = parseInputShape(given);
      } catch (const Error& e) {
        throw Error("--input-shape " + std::string(e.what()));
      }
      const auto& [name, shape] = parsed;
      if (!inputShapes.emplace(name, shape).second)
        throw Error("--input-shape: input '" + name + "' is given twice");
    }
    const ModelFile model = importOnnx(args.onnx, inputShapes);
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
