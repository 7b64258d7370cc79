#include "ops/fused_activation.h"

namespace twb {

AttrSpec fusedActivationAttr() {
  return {"activation", AttrType::string, "none",
          "Activation fused into the op (none, relu or relu6); set by inference rewrites."};
}

FusedActivation fusedActivation(const Attrs& attrs) {
  const std::string name = attrs.string("activation");
  if (name == "none") return FusedActivation::none;
  if (name == "relu") return FusedActivation::relu;
  if (name == "relu6") return FusedActivation::relu6;
  throw Error("attribute activation must be none, relu or relu6, not '" + name + "'");
}

}  // namespace twb
