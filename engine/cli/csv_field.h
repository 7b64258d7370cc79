#pragma once

#include <string>

namespace twb {

// A CSV field as RFC 4180 writes it: quoted when it holds a comma, a quote or a line break, with
// quotes inside doubled.
std::string csvField(const std::string& text);

}  // namespace twb
