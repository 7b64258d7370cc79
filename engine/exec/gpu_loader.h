#pragma once

#include <string>

#include "backend/gpu_backend.h"

namespace twb {

// The CUDA backend plugin (libtwb-cuda.so), loaded on first use from TWB_CUDA_BACKEND or from
// beside the engine: the same engine runs on nodes without CUDA. Throws twb::Error saying why
// there is no GPU backend: built without CUDA, or which of the node's CUDA libraries is missing.
gpu::GpuBackend& gpuBackend();

// The same, as a reason instead of an exception: null and `whyNot` set when there is none.
gpu::GpuBackend* findGpuBackend(std::string* whyNot);

}  // namespace twb
