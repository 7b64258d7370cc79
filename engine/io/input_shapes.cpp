#include "io/input_shapes.h"

#include <algorithm>

namespace twb {

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
    if (shape.empty() || std::any_of(shape.begin(), shape.end(), [](int64_t d) { return d < 1; }))
      throw inputs.badValue(item.key(), "must be a list of sizes of at least 1");
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
