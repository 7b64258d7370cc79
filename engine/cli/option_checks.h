#pragma once

#include <CLI/CLI.hpp>
#include <limits>

namespace twb {

// Checks of numeric options that say the rule and the value given, where CLI11's own name the
// largest double as a bound ("Value 0 not in range 1 to 1.79769e+308") and its PositiveNumber
// takes "1.5" for a count.

// A whole number that counts something (a batch, steps, threads), at least `least`:
// "--batch: must be a whole number >= 1, got 0"; or within [least, most]: "--ranks: must be a
// whole number within [1, 64], got 100".
CLI::Validator countAtLeast(long long least);
CLI::Validator countWithin(long long least, long long most);

// A number that measures something (a percentile, a drop in points), within [least, most]:
// "--percentile: must be a number within [50, 100], got 20".
CLI::Validator numberWithin(double least, double most = std::numeric_limits<double>::infinity());

}  // namespace twb
