#pragma once

#include "graph/model_spec.h"

namespace twb {

// The shape of a small Vision Transformer (Dosovitskiy et al. 2020).
struct VitOptions {
  int64_t patch = 7;  // side of the square patches
  int64_t dim = 64;   // token width
  int64_t depth = 4;  // encoder blocks
  int64_t heads = 4;
  int64_t mlpRatio = 2;  // hidden width of each block's MLP, in multiples of dim
};

// A ViT: the image cut into patches by a Conv2d (kernel = stride = patch), the tokens given a
// learned positional embedding (Bias), then pre-norm encoder blocks: LayerNorm -> multi-head
// self-attention (separate q, k, v projections, softmax(q k^T / sqrt(d)) v over each head) ->
// residual, LayerNorm -> Linear -> GELU -> Linear -> residual. The head is LayerNorm, the mean
// over tokens and Linear (no class token). `input` is [C, H, W] with H and W multiples of the patch
// and dim a multiple of heads (graph/templates.cpp checks them, naming the argument).
ModelSpec makeVit(const Shape& input, int64_t classes, const VitOptions& options);

}  // namespace twb
