#include "ops/fused_activation.h"

#include <iterator>
#include <string>

namespace twb {

namespace {
// Each fused activation: its value of the "activation" attribute and the op it stands for.
struct Fusable {
  FusedActivation activation;
  const char* value;
  const char* op;
};
constexpr Fusable kFusable[] = {{FusedActivation::relu, "relu", "ReLU"},
                                {FusedActivation::relu6, "relu6", "ReLU6"},
                                {FusedActivation::gelu, "gelu", "GELU"},
                                {FusedActivation::silu, "silu", "SiLU"},
                                {FusedActivation::hardswish, "hardswish", "Hardswish"}};

// "none, relu, relu6, gelu, silu or hardswish"
std::string fusableValues() {
  std::string values = "none";
  for (const Fusable& f : kFusable)
    values += std::string(&f == &kFusable[std::size(kFusable) - 1] ? " or " : ", ") + f.value;
  return values;
}
}  // namespace

AttrSpec fusedActivationAttr() {
  return {"activation", AttrType::string, "none",
          "Activation fused into the op (" + fusableValues() + "); set by inference rewrites."};
}

FusedActivation fusedActivation(const Attrs& attrs) {
  const std::string name = attrs.string("activation");
  if (name == "none") return FusedActivation::none;
  for (const Fusable& f : kFusable)
    if (name == f.value) return f.activation;
  throw Error("attribute activation must be " + fusableValues() + ", not '" + name + "'");
}

const char* fusedActivationOp(FusedActivation activation) {
  for (const Fusable& f : kFusable)
    if (f.activation == activation) return f.op;
  throw Error("no activation is fused");
}

}  // namespace twb
