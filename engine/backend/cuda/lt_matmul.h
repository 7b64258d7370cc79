#pragma once

#include <cublasLt.h>

#include <cstdint>

namespace twb::gpu {

// One matrix product planned once through cuBLASLt, column-major as cuBLAS counts:
//   C[m x n] = op(A) op(B) + beta C,  op(A) is m x k, op(B) is k x n,
// A and B of type `operands`, C of type `result`, accumulated in fp32 (TF32 tensor cores when
// `tf32`). The algorithm is chosen once by cuBLASLt's heuristic for the shared workspace.
class LtMatmul {
 public:
  struct Shape {
    bool transA = false, transB = false;
    int64_t m = 0, n = 0, k = 0, lda = 0, ldb = 0, ldc = 0;
  };
  LtMatmul(cublasLtHandle_t handle, Shape shape, cudaDataType_t operands, cudaDataType_t result,
           bool tf32, size_t workspaceBytes);
  ~LtMatmul();
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;

  void run(const void* a, const void* b, void* c, bool accumulate, void* workspace,
           cudaStream_t stream) const;

 private:
  cublasLtHandle_t m_handle;
  cublasLtMatmulDesc_t m_desc = nullptr;
  cublasLtMatrixLayout_t m_a = nullptr, m_b = nullptr, m_c = nullptr;
  cublasLtMatmulAlgo_t m_algo{};
  size_t m_workspaceBytes = 0;
};

}  // namespace twb::gpu
