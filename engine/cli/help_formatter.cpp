#include "cli/help_formatter.h"

#include <sstream>

namespace twb {

std::string HelpFormatter::make_option(const CLI::Option* option, bool isPositional) const {
  if (isPositional || !option->get_positional() || !option->nonpositional())
    return CLI::Formatter::make_option(option, isPositional);
  std::stringstream out;
  // Without its type and REQUIRED: either form gives it.
  CLI::detail::format_help(out, make_option_name(option, false),
                           option->get_name(true) + " given as an option", column_width_);
  return out.str();
}

}  // namespace twb
