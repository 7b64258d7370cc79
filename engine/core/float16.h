#pragma once

#include <cstdint>
#include <cstring>

namespace twb {

// IEEE binary16 (fp16) in plain integer code, so every compiler builds it (clang 14 has no
// _Float16 on x86): 5 exponent bits, 10 of mantissa; subnormals, infinities and NaN kept.

inline float halfToFloat(uint16_t half) {
  const uint32_t sign = static_cast<uint32_t>(half & 0x8000u) << 16;
  uint32_t exponent = (half >> 10) & 0x1fu, mantissa = half & 0x3ffu, bits;
  if (exponent == 0x1f) {
    bits = sign | 0x7f800000u | (mantissa << 13);  // infinity or NaN
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;  // ±0
  } else {  // subnormal: normalize it
    exponent = 113;
    while (!(mantissa & 0x400u)) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ffu) << 13);
  }
  float value;
  std::memcpy(&value, &bits, sizeof value);
  return value;
}

// Rounds to nearest, ties to even; beyond fp16's range gives ±infinity (NaN stays NaN).
inline uint16_t floatToHalf(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  const uint16_t sign = static_cast<uint16_t>((bits >> 16) & 0x8000u);
  const uint32_t exponent = (bits >> 23) & 0xffu, mantissa = bits & 0x7fffffu;
  if (exponent == 0xff) return sign | 0x7c00u | (mantissa ? 0x200u : 0u);
  const int halfExponent = static_cast<int>(exponent) - 112;  // 127 - 15
  if (halfExponent >= 0x1f) return sign | 0x7c00u;
  if (halfExponent <= 0) {
    if (halfExponent < -10) return sign;  // below half the smallest subnormal
    const uint32_t full = mantissa | 0x800000u;  // the implicit 1
    const int shift = 14 - halfExponent;
    uint32_t result = full >> shift;
    const uint32_t rest = full & ((1u << shift) - 1), halfway = 1u << (shift - 1);
    if (rest > halfway || (rest == halfway && (result & 1u))) ++result;
    return sign | static_cast<uint16_t>(result);
  }
  uint32_t result = (static_cast<uint32_t>(halfExponent) << 10) | (mantissa >> 13);
  const uint32_t rest = mantissa & 0x1fffu;
  // Carries into the exponent (and up to infinity) as they should.
  if (rest > 0x1000u || (rest == 0x1000u && (result & 1u))) ++result;
  return sign | static_cast<uint16_t>(result);
}

}  // namespace twb
