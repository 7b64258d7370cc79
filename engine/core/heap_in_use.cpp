#include "core/heap_in_use.h"

#include <malloc.h>

namespace twb {

size_t heapBytesInUse() {
  const struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;
}

}  // namespace twb
