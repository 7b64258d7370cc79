#pragma once

#include <CLI/CLI.hpp>
#include <string>

namespace twb {

// twb-engine's help: CLI11's, except that an option that is also a positional (predict's INPUT,
// -i) is described once, under Positionals; under Options it names that positional.
class HelpFormatter : public CLI::Formatter {
 public:
  std::string make_option(const CLI::Option* option, bool isPositional) const override;
};

}  // namespace twb
