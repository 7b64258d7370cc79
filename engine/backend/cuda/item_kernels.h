#pragma once

#include <cuda_runtime.h>

#include <cstdint>

#include "backend/cuda/dropout_ops.h"
#include "backend/cuda/index_ops.h"
#include "backend/cuda/row_ops.h"

// Runs f(i) for every i < items, one GPU thread an item, on `stream`: the launcher of the ops
// whose per-item work row_ops.h, index_ops.h and dropout_ops.h define (host code too, which tests
// run on the CPU). `kernel` names the launch in errors.
namespace twb::gpu {

template <typename F>
void launchItems(const F& f, int64_t items, const char* kernel, cudaStream_t stream);

}  // namespace twb::gpu

// X(functor type) for every functor the nodes launch, in each element type they are handed:
// item_kernels.cu instantiates launchItems for these.
// clang-format off
#define TWB_ITEMS_T(X, F) X(F<float>) X(F<__nv_bfloat16>)
#define TWB_ITEMS_IN_OUT(X, F) \
  X(F<float, float>) X(F<float, __nv_bfloat16>) X(F<__nv_bfloat16, float>) \
  X(F<__nv_bfloat16, __nv_bfloat16>)
#define TWB_ITEMS_PAIR_OUT(X, F) \
  X(F<float, float, float>) X(F<float, float, __nv_bfloat16>) \
  X(F<float, __nv_bfloat16, float>) X(F<float, __nv_bfloat16, __nv_bfloat16>) \
  X(F<__nv_bfloat16, float, float>) X(F<__nv_bfloat16, float, __nv_bfloat16>) \
  X(F<__nv_bfloat16, __nv_bfloat16, float>) X(F<__nv_bfloat16, __nv_bfloat16, __nv_bfloat16>)
#define TWB_ITEM_FUNCTORS(X) \
  TWB_ITEMS_IN_OUT(X, SoftmaxRows) TWB_ITEMS_IN_OUT(X, SoftmaxRowsBackward) \
  TWB_ITEMS_T(X, LayerNormRows) TWB_ITEMS_T(X, LayerNormRowsBackward) \
  TWB_ITEMS_T(X, LayerNormParamGradients) \
  TWB_ITEMS_IN_OUT(X, Permute) \
  TWB_ITEMS_IN_OUT(X, LearnedTensorForward) TWB_ITEMS_IN_OUT(X, LearnedTensorInputGradient) \
  TWB_ITEMS_IN_OUT(X, LearnedTensorGradient) \
  TWB_ITEMS_IN_OUT(X, ReduceOver) TWB_ITEMS_IN_OUT(X, ReduceOverBackward) \
  TWB_ITEMS_PAIR_OUT(X, BatchedProduct) \
  TWB_ITEMS_PAIR_OUT(X, BinaryForward) TWB_ITEMS_PAIR_OUT(X, BinaryGradient) \
  TWB_ITEMS_IN_OUT(X, BlockCopy) TWB_ITEMS_IN_OUT(X, AroundBlock) \
  TWB_ITEMS_IN_OUT(X, PrependTokensForward) TWB_ITEMS_T(X, PrependTokensGradient) \
  TWB_ITEMS_IN_OUT(X, SquaredErrorRows) TWB_ITEMS_IN_OUT(X, SquaredErrorGradient) X(MeanOfRows) \
  TWB_ITEMS_T(X, DropoutItems) X(ResetFirstBad) TWB_ITEMS_T(X, EmbeddingForward) TWB_ITEMS_T(X, EmbeddingGradient)
// clang-format on
