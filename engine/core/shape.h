#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace twb {

// Dimensions, outermost first (N, C, H, W for images). The batch is dimension 0 of a value's
// shape inside an executor; a model spec's input shapes leave it out.
using Shape = std::vector<int64_t>;

int64_t numel(const Shape& shape);
std::string toString(const Shape& shape);  // "[128, 1, 28, 28]"
// Parses "3x32x32" (the form dataset specs use); throws twb::Error on anything else.
Shape parseShape(const std::string& text);

}  // namespace twb
