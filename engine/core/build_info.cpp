#include "core/build_info.h"

#include "twb_build_hash.h"  // generated at every build (core/build_hash.cmake)

namespace twb {

const char* engineBuild() { return TWB_BUILD_HASH; }

}  // namespace twb
