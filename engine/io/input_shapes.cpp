#include "io/input_shapes.h"

#include <algorithm>

namespace twb {

namespace {
bool isInputSize(int64_t size) { return size >= 1 && size <= kLargestInputSize; }
}  // namespace

std::pair<std::string, Shape> parseInputShape(const std::string& given) {
  const auto equals = given.find('=');
  if (equals == std::string::npos || equals == 0)
    throw Error(given + ": expected NAME=D1xD2... (the input's dimensions after the batch)");
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
    if (end == 0 || end != dim.size() || !isInputSize(size))
      throw Error(given + ": '" + dim + "' is not a size (a whole number from 1 to 2^31)");
    shape.push_back(size);
  }
  return {given.substr(0, equals), shape};
}

std::map<std::string, Shape> readInputShapes(JsonObject& model) {
  std::map<std::string, Shape> shapes;
  if (!model.has("input_shape")) return shapes;
  const nlohmann::json& given = model.raw("input_shape");
  if (!given.is_object() || given.empty())
    throw model.error("input_shape",
                      "must be an object of input names and their sizes after the batch, as "
                      "{\"ids\": [128]}");
  JsonObject inputs(given, model.pathOf("input_shape"));
  for (const auto& item : given.items()) {
    Shape shape = inputs.integers(item.key());
    if (shape.empty() || !std::all_of(shape.begin(), shape.end(), isInputSize))
      throw inputs.badValue(item.key(), "must be a list of sizes of at least 1 and at most 2^31");
    shapes[item.key()] = std::move(shape);
  }
  return shapes;
}

std::map<std::string, Shape> inputShapesOfModel(const nlohmann::json& model) {
  if (!model.is_object()) return {};
  JsonObject object(model, "model");
  return readInputShapes(object);
}

Error missingInputShapes(const FreeInputSizes& error) {
  std::string example;
  for (const FreeInput& input : error.inputs()) {
    example += (example.empty() ? "{\"" : ", \"") + input.name + "\": [";
    for (size_t i = 0; i < input.dims.size(); ++i)
      example += (i ? ", " : "") + (input.dims[i] > 0          ? std::to_string(input.dims[i])
                                    : input.symbols[i].empty() ? "D" + std::to_string(i + 1)
                                                               : input.symbols[i]);
    example += "]";
  }
  return Error("model.file: " + error.problem() +
               "; give the sizes after the batch in the model's \"input_shape\": " + example +
               "}, with a size in place of each name");
}

}  // namespace twb
