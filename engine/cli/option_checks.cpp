#include "cli/option_checks.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <sstream>

namespace twb {

namespace {
std::string shortest(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}
}  // namespace

CLI::Validator countAtLeast(long long least) {
  return countWithin(least, std::numeric_limits<long long>::max());
}

CLI::Validator countWithin(long long least, long long most) {
  const bool bounded = most != std::numeric_limits<long long>::max();
  const std::string rule =
      "must be a whole number " +
      (bounded ? "within [" + std::to_string(least) + ", " + std::to_string(most) + "]"
               : ">= " + std::to_string(least));
  return CLI::Validator(
      [least, most, rule](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const long long value = std::strtoll(text.c_str(), &end, 10);
        const bool whole = !text.empty() && *end == '\0' && errno == 0;
        return whole && value >= least && value <= most ? std::string() : rule + ", got " + text;
      },
      bounded      ? std::to_string(least) + "-" + std::to_string(most)
      : least == 0 ? "NONNEGATIVE"
      : least == 1 ? "POSITIVE"
                   : ">=" + std::to_string(least));
}

CLI::Validator numberWithin(double least, double most) {
  const bool bounded = std::isfinite(most);
  const std::string rule =
      "must be a number " + (bounded ? "within [" + shortest(least) + ", " + shortest(most) + "]"
                                     : ">= " + shortest(least));
  return CLI::Validator(
      [least, most, rule](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const double value = std::strtod(text.c_str(), &end);
        const bool number = !text.empty() && *end == '\0' && errno == 0 && std::isfinite(value);
        return number && value >= least && value <= most ? std::string() : rule + ", got " + text;
      },
      bounded ? shortest(least) + "-" + shortest(most) : ">=" + shortest(least));
}

}  // namespace twb
