#include "core/user_folders.h"

#include <cstdlib>

namespace twb {

std::string userFolder(UserFolder kind) {
  struct Base {
    const char* variable;
    const char* underHome;
  };
  static constexpr Base bases[] = {{"XDG_DATA_HOME", "/.local/share"},
                                   {"XDG_CONFIG_HOME", "/.config"},
                                   {"XDG_CACHE_HOME", "/.cache"}};
  const Base& base = bases[static_cast<int>(kind)];
  if (const char* xdg = std::getenv(base.variable); xdg && *xdg) return std::string(xdg) + "/twb";
  const char* home = std::getenv("HOME");
  return std::string(home ? home : ".") + base.underHome + "/twb";
}

}  // namespace twb
