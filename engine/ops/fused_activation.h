#pragma once

#include "ops/op.h"

namespace twb {

// The "activation" attribute of Conv2d, Linear and Add: an activation applied to the result in
// the same kernel (oneDNN post-op). Inference graphs get it from quant/inference_rewrite.h,
// which folds a following ReLU, ReLU6, GELU, SiLU or Hardswish into its producer; training runs
// keep them as their own nodes.
enum class FusedActivation { none, relu, relu6, gelu, silu, hardswish };

AttrSpec fusedActivationAttr();
// Throws twb::Error for a value other than "none", "relu", "relu6", "gelu", "silu" or
// "hardswish".
FusedActivation fusedActivation(const Attrs& attrs);
// The op a fused activation stands for ("ReLU", "ReLU6", "GELU", "SiLU", "Hardswish"); none has
// none.
const char* fusedActivationOp(FusedActivation activation);

}  // namespace twb
