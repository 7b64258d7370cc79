#pragma once

#include <cstddef>

#include "dist/communicator.h"

namespace twb {

// Conversions between f32 accumulators and the element type on the wire.
void encodeWire(const float* in, size_t count, WireType type, void* out);
void decodeWire(const void* in, size_t count, WireType type, float* out);
// acc[i] += wire value i: the receiving half of a reduction hop.
void accumulateWire(const void* in, size_t count, WireType type, float* acc);

}  // namespace twb
