#include "cli/run_folder.h"

#include <ctime>

namespace twb {

std::string defaultRunFolder(const std::string& name) {
  char stamp[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", std::localtime(&now));
  return "runs/" + name + "-" + stamp;
}

}  // namespace twb
