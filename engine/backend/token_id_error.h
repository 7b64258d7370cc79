#pragma once

#include <cstdint>
#include <sstream>
#include <string>

#include "core/error.h"
#include "core/shape.h"

namespace twb {

// An Embedding's id that is not an integer row of its table (`rows` rows): the id at flat
// `index` of ids shaped `ids` (the batch first), named by node, sample and position alike on
// every backend: "node 'emb': token id 1000 of sample 2, position 5, is not an integer in
// [0, 100)". Header-only: the CUDA plugin links nothing of the engine.
inline Error badTokenId(const std::string& node, float id, int64_t index, const Shape& ids,
                        int64_t rows) {
  int64_t perSample = 1;
  for (size_t axis = 1; axis < ids.size(); ++axis) perSample *= ids[axis];
  std::ostringstream text;
  text << "node '" << node << "': token id " << id << " of sample " << index / perSample;
  if (perSample > 1) text << ", position " << index % perSample << ",";
  text << " is not an integer in [0, " << rows << ")";
  return Error(text.str());
}

}  // namespace twb
