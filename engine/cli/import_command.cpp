#include <algorithm>
#include <cstdio>
#include <map>

#include "cli/commands.h"
#include "cli/output_file.h"
#include "core/error.h"
#include "graph/graph.h"
#include "io/onnx_import.h"

namespace twb {

namespace {
// "NAME=D1xD2...", as --input-shape takes it.
std::pair<std::string, Shape> parseInputShape(const std::string& given) {
  const auto equals = given.find('=');
  const std::string error = "--input-shape " + given + ": ";
  if (equals == std::string::npos || equals == 0)
    throw Error(error + "expected NAME=D1xD2... (the input's dimensions after the batch)");
  Shape shape;
  const std::string dims = given.substr(equals + 1);
  for (size_t from = 0; from <= dims.size();) {
    const size_t to = std::min(dims.find('x', from), dims.size());
    const std::string dim = dims.substr(from, to - from);
    from = to + 1;
    size_t end = 0;
    long long size = 0;
    try {
      size = std::stoll(dim, &end);
    } catch (const std::exception&) {
      end = 0;
    }
    if (end == 0 || end != dim.size() || size < 1 || size > (1LL << 31))
      throw Error(error + "'" + dim + "' is not a size (a whole number from 1 to 2^31)");
    shape.push_back(size);
  }
  return {given.substr(0, equals), shape};
}
}  // namespace

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
      const auto [name, shape] = parseInputShape(given);
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
