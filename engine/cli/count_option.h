#pragma once

#include <CLI/CLI.hpp>

namespace twb {

// Checks an option that counts something (a batch, steps, threads): a whole number at least
// `least`. CLI11's PositiveNumber names the largest double as its bound and takes "1.5"; this
// says the rule and the value given: "--batch: must be a whole number >= 1, got 0".
CLI::Validator countAtLeast(long long least);

}  // namespace twb
