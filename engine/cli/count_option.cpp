#include "cli/count_option.h"

#include <cerrno>
#include <cstdlib>

namespace twb {

CLI::Validator countAtLeast(long long least) {
  const std::string rule = "must be a whole number >= " + std::to_string(least);
  return CLI::Validator(
      [least, rule](std::string& text) -> std::string {
        char* end = nullptr;
        errno = 0;
        const long long value = std::strtoll(text.c_str(), &end, 10);
        const bool whole = !text.empty() && *end == '\0' && errno == 0;
        return whole && value >= least ? std::string() : rule + ", got " + text;
      },
      least == 0   ? "NONNEGATIVE"
      : least == 1 ? "POSITIVE"
                   : ">=" + std::to_string(least));
}

}  // namespace twb
