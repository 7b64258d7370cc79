#pragma once

#include <string>

namespace twb {

// Where a run writes when no --out is given: runs/NAME-YYYYmmdd-HHMMSS.
std::string defaultRunFolder(const std::string& name);

}  // namespace twb
