#include "core/dtype.h"

#include "core/error.h"

namespace twb {

namespace {
struct DTypeInfo {
  DType type;
  size_t size;
  const char* name;
  const char* safetensors;
};
constexpr DTypeInfo kTypes[] = {
    {DType::f32, 4, "f32", "F32"}, {DType::bf16, 2, "bf16", "BF16"}, {DType::f16, 2, "f16", "F16"},
    {DType::s8, 1, "s8", "I8"},    {DType::u8, 1, "u8", "U8"},       {DType::s32, 4, "s32", "I32"},
};
const DTypeInfo& info(DType type) { return kTypes[static_cast<int>(type)]; }
}  // namespace

size_t dtypeSize(DType type) { return info(type).size; }
const char* dtypeName(DType type) { return info(type).name; }
const char* safetensorsName(DType type) { return info(type).safetensors; }

DType parseDType(const std::string& name) {
  for (const auto& t : kTypes)
    if (name == t.name) return t.type;
  throw Error("unknown dtype '" + name + "' (expected f32, bf16, f16, s8, u8 or s32)");
}

DType parseSafetensorsName(const std::string& name) {
  for (const auto& t : kTypes)
    if (name == t.safetensors) return t.type;
  throw Error("unsupported tensor dtype '" + name + "'");
}

}  // namespace twb
