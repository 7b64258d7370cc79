#include "ops/fused_activation.h"

namespace twb {

AttrSpec fusedActivationAttr() {
  return {"activation", AttrType::string, "none",
          "Activation fused into the op (none, relu, relu6, gelu, silu or hardswish); set by "
          "inference rewrites."};
}

FusedActivation fusedActivation(const Attrs& attrs) {
  const std::string name = attrs.string("activation");
  if (name == "none") return FusedActivation::none;
  if (name == "relu") return FusedActivation::relu;
  if (name == "relu6") return FusedActivation::relu6;
  if (name == "gelu") return FusedActivation::gelu;
  if (name == "silu") return FusedActivation::silu;
  if (name == "hardswish") return FusedActivation::hardswish;
  throw Error("attribute activation must be none, relu, relu6, gelu, silu or hardswish, not '" +
              name + "'");
}

const char* fusedActivationOp(FusedActivation activation) {
  switch (activation) {
    case FusedActivation::relu: return "ReLU";
    case FusedActivation::relu6: return "ReLU6";
    case FusedActivation::gelu: return "GELU";
    case FusedActivation::silu:
      return "SiLU";
    case FusedActivation::hardswish:
      return "Hardswish";
    case FusedActivation::none: break;
  }
  throw Error("no activation is fused");
}

}  // namespace twb
