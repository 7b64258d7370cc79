#include "dist/wire_format.h"

#include <immintrin.h>

#include <cstdint>
#include <cstring>

#include "core/bfloat16.h"
#include "core/cpu_info.h"
#include "core/float16.h"

namespace twb {

namespace {
// fp16 conversions in hardware (F16C, which every AVX2 CPU has): 8 floats an instruction where
// the portable code branches per float. Both round to nearest even and keep subnormals, so
// ranks with and without F16C send the same bits (NaNs' payloads aside).
bool hasF16c() {
  static const bool available = readCpuInfo().f16c;  // clang before 15 cannot ask "f16c"
  return available;
}

__attribute__((target("avx,f16c"))) size_t encodeHalves(const float* in, size_t count,
                                                        uint16_t* out) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(in + i), _MM_FROUND_TO_NEAREST_INT));
  return i;
}

__attribute__((target("avx,f16c"))) size_t decodeHalves(const uint16_t* in, size_t count,
                                                        float* out) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8)
    _mm256_storeu_ps(out + i,
                     _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i))));
  return i;
}

__attribute__((target("avx,f16c"))) size_t accumulateHalves(const uint16_t* in, size_t count,
                                                            float* acc) {
  size_t i = 0;
  for (; i + 8 <= count; i += 8) {
    const __m256 values =
        _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i)));
    _mm256_storeu_ps(acc + i, _mm256_add_ps(_mm256_loadu_ps(acc + i), values));
  }
  return i;
}
}  // namespace

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
    for (size_t i = hasF16c() ? encodeHalves(in, count, o) : 0; i < count; ++i)
      o[i] = floatToHalf(in[i]);
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
    for (size_t i = hasF16c() ? decodeHalves(p, count, out) : 0; i < count; ++i)
      out[i] = halfToFloat(p[i]);
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
    for (size_t i = hasF16c() ? accumulateHalves(p, count, acc) : 0; i < count; ++i)
      acc[i] += halfToFloat(p[i]);
  }
}

}  // namespace twb
