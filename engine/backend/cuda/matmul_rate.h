#pragma once

#include <cublasLt.h>

#include <cstdint>

namespace twb::gpu {

// TFLOP/s of cuBLASLt's n x n x n product on the current device, its fastest candidate: operands
// random (zeros run faster than real data), 3 warm-up runs, the median of 20 timed with CUDA
// events.
double measureMatmulTflops(cublasLtHandle_t lt, int64_t n, bool bf16, bool tf32);

}  // namespace twb::gpu
