#pragma once

#include "ops/op.h"

namespace twb {

// The "activation" attribute of Conv2d, Linear and Add: an activation applied to the result in
// the same kernel (oneDNN post-op). Inference graphs get it from quant/inference_rewrite.h,
// which folds a following ReLU or ReLU6 into its producer; training runs keep them as their own
// nodes.
enum class FusedActivation { none, relu, relu6 };

AttrSpec fusedActivationAttr();
// Throws twb::Error for a value other than "none", "relu" or "relu6".
FusedActivation fusedActivation(const Attrs& attrs);

}  // namespace twb
