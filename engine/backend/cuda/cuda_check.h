#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <string>

#include "core/error.h"

namespace twb::gpu {

// Every CUDA and cuBLASLt call is checked: a failure becomes a twb::Error naming the call and
// CUDA's own words, never a silent wrong result.
inline void checkCuda(cudaError_t status, const char* call) {
  if (status != cudaSuccess)
    throw Error(std::string("CUDA: ") + call + ": " + cudaGetErrorString(status));
}

inline void checkCublas(cublasStatus_t status, const char* call) {
  if (status != CUBLAS_STATUS_SUCCESS)
    throw Error(std::string("cuBLASLt: ") + call + ": status " + std::to_string(int(status)));
}

}  // namespace twb::gpu

#define TWB_CUDA(call) ::twb::gpu::checkCuda((call), #call)
#define TWB_CUBLAS(call) ::twb::gpu::checkCublas((call), #call)
