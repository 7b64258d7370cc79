#pragma once

// A job's model's "input_shape" ({"ids": [128]}): the sizes after the batch that its ONNX model
// file leaves free, by input name (docs/job-file.md).

#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/json_object.h"
#include "core/shape.h"
#include "io/onnx_import.h"

namespace twb {

// The largest size an input's dimension may be given (import, a job, the workbench).
constexpr int64_t kLargestInputSize = int64_t{1} << 31;

// "NAME=D1xD2...": one input's dimensions after the batch, as import's --input-shape and the
// Job tab's "Input sizes" write them; an error names `given` and the part that is no size.
std::pair<std::string, Shape> parseInputShape(const std::string& given);

// The model object's "input_shape"; none when it gives none. Errors name the field.
std::map<std::string, Shape> readInputShapes(JsonObject& model);
// The same of a job's "model" object, read on its own (the workbench draws a job's model).
std::map<std::string, Shape> inputShapesOfModel(const nlohmann::json& model);

// The error of a job's model file read without the sizes it leaves free: what is missing and
// how "input_shape" gives it, as {"ids": [sequence], "image": [3, height, width]} (the sizes the
// file fixes as they are, the free ones by the file's names for them; "D2" where it has none).
Error missingInputShapes(const FreeInputSizes& error);

}  // namespace twb
