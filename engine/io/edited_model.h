#pragma once

#include <map>
#include <string>
#include <vector>

#include "io/model_file.h"

namespace twb {

// A model file of either form the engine reads: ONNX (io/onnx_import.h) by its .onnx suffix,
// with `inputShapes` for the sizes it leaves free, else a .twbm (io/model_file.h), whose sizes
// are all fixed: shapes given for one are an error.
ModelFile loadModelOrOnnx(const std::string& path,
                          const std::map<std::string, Shape>& inputShapes = {});

// A model spec edited from a model file (the designer's Save of an opened .twbm or ONNX file):
// the file's weights carried over to every parameter whose layer the edit left as it was (the
// same op and attributes, the parameter of the same name and shape), the others initialised as
// a new model's are from `seed`. The result is fp32: a quantization plan describes the graph it
// was made for, so it is not carried; the dataset description is.
struct EditedModel {
  ModelFile model;
  std::vector<std::string> kept, fresh;  // parameter names
};
EditedModel carryWeights(const ModelFile& source, const ModelSpec& edited, uint64_t seed = 0);

}  // namespace twb
