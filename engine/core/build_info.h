#pragma once

namespace twb {

// The source revision this engine was built from (`git describe`, "-dirty" with local changes):
// nodes of one job must report the same. Defined in one file, so a new revision recompiles one.
const char* engineBuild();

}  // namespace twb
