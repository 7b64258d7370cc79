#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/shape.h"
#include "core/tensor.h"
#include "data/dataset.h"

namespace twb {

// One input file of predict: an array (.npy) of one sample or a stack of them, or an image.
struct PredictInput {
  std::string path;
  int64_t samples = 0;
};

// The files --input names, in order: a folder gives every image (.png, .jpg, .jpeg) and array
// (.npy) under it, by path, hidden ones skipped; any other file there is an error naming it, as
// is a folder with none. Arrays are checked against the model's `sample` shape here, from their
// headers, and images against its input and `normalization`, before any file is read whole.
std::vector<PredictInput> listPredictInputs(const std::vector<std::string>& inputs,
                                            const Shape& sample,
                                            const std::optional<Normalization>& normalization);

// The samples of one listed input, as the model takes them: an array as it is (NaN and infinity
// refused), an image decoded, scaled and centre-cropped to the (C, H, W) input as image-folder
// datasets are, then normalised.
Tensor readPredictInput(const PredictInput& input, const Shape& sample,
                        const std::optional<Normalization>& normalization);

}  // namespace twb
