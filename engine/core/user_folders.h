#pragma once

#include <string>

namespace twb {

// The engine's folder of one kind for this user, after the XDG base directories: $XDG_DATA_HOME
// or ~/.local/share, $XDG_CONFIG_HOME or ~/.config, $XDG_CACHE_HOME or ~/.cache, each with /twb.
enum class UserFolder { data, config, cache };
std::string userFolder(UserFolder kind);

}  // namespace twb
