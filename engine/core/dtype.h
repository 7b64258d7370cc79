#pragma once

#include <cstddef>
#include <string>

namespace twb {

enum class DType { f32, bf16, f16, s8, u8, s32 };

size_t dtypeSize(DType type);
const char* dtypeName(DType type);  // "f32", "bf16", ...
DType parseDType(const std::string& name);  // throws twb::Error naming the bad value
// The safetensors spelling ("F32", "BF16", "I8", ...).
const char* safetensorsName(DType type);
DType parseSafetensorsName(const std::string& name);

}  // namespace twb
