#pragma once

#include "ops/op.h"

namespace twb {

// The "activation" attribute of Conv2d, Linear and Add: an activation applied to the result in
// the same kernel (oneDNN post-op). Inference graphs get it from quant/inference_rewrite.h,
// which folds a following ReLU into its producer; training runs keep ReLU as its own node.
enum class FusedActivation { none, relu };

AttrSpec fusedActivationAttr();
// Throws twb::Error for a value other than "none" or "relu".
FusedActivation fusedActivation(const Attrs& attrs);

}  // namespace twb
