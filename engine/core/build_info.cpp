#include "core/build_info.h"

namespace twb {

const char* engineBuild() { return TWB_BUILD_HASH; }

}  // namespace twb
