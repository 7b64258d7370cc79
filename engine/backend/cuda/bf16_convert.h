#pragma once

#include <cuda_bf16.h>

#include "backend/cuda/host_device.h"

// bf16 buffers' conversions, beside f32's (host_device.h): a kernel computes in f32 whatever
// type a buffer holds. Host code too (cuda_bf16.h's conversions are), for tests on the CPU.
namespace twb::gpu {

TWB_HOST_DEVICE inline float toFloat(__nv_bfloat16 x) { return __bfloat162float(x); }

template <>
TWB_HOST_DEVICE inline __nv_bfloat16 fromFloat<__nv_bfloat16>(float x) {
  return __float2bfloat16(x);
}

}  // namespace twb::gpu
