#include "ops/fused_activation.h"

namespace twb {

AttrSpec fusedActivationAttr() {
  return {"activation", AttrType::string, "none",
          "Activation fused into the op (none or relu); set by inference rewrites."};
}

FusedActivation fusedActivation(const Attrs& attrs) {
  const std::string name = attrs.string("activation");
  if (name == "none") return FusedActivation::none;
  if (name == "relu") return FusedActivation::relu;
  throw Error("attribute activation must be none or relu, not '" + name + "'");
}

}  // namespace twb
