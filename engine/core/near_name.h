#pragma once

#include <string>
#include <vector>

namespace twb {

// Edits (insert, delete, replace, swap two neighbours) that turn `a` into `b`.
size_t editDistance(const std::string& a, const std::string& b);

// The name among `known` nearest to `given`, with at most a third of it mistyped; "" when none
// is that near. For "did you mean" hints.
std::string nearestName(const std::string& given, const std::vector<std::string>& known);

}  // namespace twb
