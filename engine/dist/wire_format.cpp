#include "dist/wire_format.h"

#include <cstdint>
#include <cstring>

#include "core/bfloat16.h"
#include "core/float16.h"

namespace twb {

WireType parseWireType(const std::string& name) {
  if (name == "none") return WireType::f32;
  if (name == "bf16") return WireType::bf16;
  if (name == "fp16") return WireType::f16;
  throw Error("'" + name + "' is not a gradient compression (none, bf16, fp16)");
}

const char* wireTypeName(WireType type) {
  switch (type) {
    case WireType::f32:
      return "none";
    case WireType::bf16:
      return "bf16";
    case WireType::f16:
      return "fp16";
  }
  return "?";
}

size_t wireBytes(WireType type) { return type == WireType::f32 ? 4 : 2; }

void encodeWire(const float* in, size_t count, WireType type, void* out) {
  if (type == WireType::f32) {
    std::memcpy(out, in, count * sizeof(float));
  } else if (type == WireType::bf16) {
    auto* o = static_cast<uint16_t*>(out);
    for (size_t i = 0; i < count; ++i) o[i] = floatToBf16(in[i]);
  } else {
    auto* o = static_cast<uint16_t*>(out);
    for (size_t i = 0; i < count; ++i) o[i] = floatToHalf(in[i]);
  }
}

void decodeWire(const void* in, size_t count, WireType type, float* out) {
  if (type == WireType::f32) {
    std::memcpy(out, in, count * sizeof(float));
  } else if (type == WireType::bf16) {
    const auto* p = static_cast<const uint16_t*>(in);
    for (size_t i = 0; i < count; ++i) out[i] = bf16ToFloat(p[i]);
  } else {
    const auto* p = static_cast<const uint16_t*>(in);
    for (size_t i = 0; i < count; ++i) out[i] = halfToFloat(p[i]);
  }
}

void accumulateWire(const void* in, size_t count, WireType type, float* acc) {
  if (type == WireType::f32) {
    const auto* p = static_cast<const float*>(in);
    for (size_t i = 0; i < count; ++i) acc[i] += p[i];
  } else if (type == WireType::bf16) {
    const auto* p = static_cast<const uint16_t*>(in);
    for (size_t i = 0; i < count; ++i) acc[i] += bf16ToFloat(p[i]);
  } else {
    const auto* p = static_cast<const uint16_t*>(in);
    for (size_t i = 0; i < count; ++i) acc[i] += halfToFloat(p[i]);
  }
}

}  // namespace twb
