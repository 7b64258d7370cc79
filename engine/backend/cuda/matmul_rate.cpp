#include "backend/cuda/matmul_rate.h"

#include <cuda_bf16.h>

#include <algorithm>
#include <vector>

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/lt_matmul.h"

namespace twb::gpu {

double measureMatmulTflops(cublasLtHandle_t lt, int64_t n, bool bf16, bool tf32) {
  const size_t element = bf16 ? 2 : 4, workspaceBytes = 32 << 20;
  void *a = nullptr, *b = nullptr, *c = nullptr, *workspace = nullptr;
  cudaStream_t stream = nullptr;
  cudaEvent_t start = nullptr, stop = nullptr;
  TWB_CUDA(cudaStreamCreate(&stream));
  TWB_CUDA(cudaMalloc(&a, n * n * element));
  TWB_CUDA(cudaMalloc(&b, n * n * element));
  TWB_CUDA(cudaMalloc(&c, n * n * element));
  TWB_CUDA(cudaMalloc(&workspace, workspaceBytes));
  TWB_CUDA(cudaEventCreate(&start));
  TWB_CUDA(cudaEventCreate(&stop));
  if (bf16) {
    launchFillUniform(static_cast<__nv_bfloat16*>(a), n * n, 1, stream);
    launchFillUniform(static_cast<__nv_bfloat16*>(b), n * n, 2, stream);
  } else {
    launchFillUniform(static_cast<float*>(a), n * n, 1, stream);
    launchFillUniform(static_cast<float*>(b), n * n, 2, stream);
  }
  const cudaDataType_t type = bf16 ? CUDA_R_16BF : CUDA_R_32F;
  LtMatmul product(lt, {false, false, n, n, n, n, n, n}, type, type, tf32, workspaceBytes);
  product.tune(a, b, c, workspace, stream);
  std::vector<float> ms;
  for (int run = 0; run < 23; ++run) {
    TWB_CUDA(cudaEventRecord(start, stream));
    product.run(a, b, c, false, workspace, stream);
    TWB_CUDA(cudaEventRecord(stop, stream));
    TWB_CUDA(cudaEventSynchronize(stop));
    float elapsed = 0;
    TWB_CUDA(cudaEventElapsedTime(&elapsed, start, stop));
    if (run >= 3) ms.push_back(elapsed);
  }
  std::sort(ms.begin(), ms.end());
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
  cudaFree(a);
  cudaFree(b);
  cudaFree(c);
  cudaFree(workspace);
  cudaStreamDestroy(stream);
  return 2.0 * n * n * n / (ms[ms.size() / 2] * 1e-3) / 1e12;
}

}  // namespace twb::gpu
