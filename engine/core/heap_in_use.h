#pragma once

#include <cstddef>

namespace twb {

// The bytes this process's allocations hold now (malloc's arenas and its mapped blocks, freed
// blocks not counted), touched or not: the difference across a stretch of code is what that code
// made and kept. 0 where the allocator does not say (under a sanitizer's allocator).
size_t heapBytesInUse();

}  // namespace twb
