#include <cuda_bf16.h>

#include "backend/cuda/item_kernels.h"
#include "backend/cuda/kernel_support.cuh"

namespace twb::gpu {

namespace {
template <typename F>
__global__ void eachItem(F f, int64_t items) {
  for (int64_t i = blockIdx.x * int64_t(blockDim.x) + threadIdx.x; i < items;
       i += int64_t(gridDim.x) * blockDim.x)
    f(i);
}
}  // namespace

template <typename F>
void launchItems(const F& f, int64_t items, const char* kernel, cudaStream_t stream) {
  if (items == 0) return;  // an empty grid is an error to CUDA
  eachItem<<<blocksFor(items), kThreads, 0, stream>>>(f, items);
  checkLaunch(kernel);
}

#define TWB_INSTANTIATE(...) \
  template void launchItems<__VA_ARGS__>(const __VA_ARGS__&, int64_t, const char*, cudaStream_t);
TWB_ITEM_FUNCTORS(TWB_INSTANTIATE)

}  // namespace twb::gpu
