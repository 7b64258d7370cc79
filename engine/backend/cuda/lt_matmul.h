#pragma once

#include <cublasLt.h>

#include <cstdint>
#include <string>
#include <vector>

namespace twb::gpu {

// One matrix product planned once through cuBLASLt, column-major as cuBLAS counts:
//   C[m x n] = op(A) op(B) + beta C,  op(A) is m x k, op(B) is k x n,
// A and B of type `operands`, C of type `result`, accumulated in fp32 (TF32 tensor cores when
// `tf32`). With `bias` (m values of `biasType`) the product adds it in its epilogue where cuBLASLt
// has an algorithm for that (fusedBias() says whether). The algorithm is cuBLASLt's first choice,
// the same in every process, so that a resumed run computes the same bits; tune() times the best
// few candidates and keeps the fastest, for peak measurements only.
class LtMatmul {
 public:
  struct Shape {
    bool transA = false, transB = false;
    int64_t m = 0, n = 0, k = 0, lda = 0, ldb = 0, ldc = 0;
  };
  LtMatmul(cublasLtHandle_t handle, Shape shape, cudaDataType_t operands, cudaDataType_t result,
           bool tf32, size_t workspaceBytes, const void* bias = nullptr,
           cudaDataType_t biasType = CUDA_R_32F);
  ~LtMatmul();
  LtMatmul(const LtMatmul&) = delete;
  LtMatmul& operator=(const LtMatmul&) = delete;

  void run(const void* a, const void* b, void* c, bool accumulate, void* workspace,
           cudaStream_t stream) const;
  // Not during graph capture: it synchronizes the stream.
  void tune(const void* a, const void* b, void* c, void* workspace, cudaStream_t stream);
  bool fusedBias() const { return m_fusedBias; }

 private:
  void describe(const Shape& shape, cublasComputeType_t compute, const void* bias,
                cudaDataType_t biasType);
  void findAlgorithms();

  cublasLtHandle_t m_handle;
  cublasLtMatmulDesc_t m_desc = nullptr;
  cublasLtMatrixLayout_t m_a = nullptr, m_b = nullptr, m_c = nullptr;
  cublasLtMatmulAlgo_t m_algo{};
  std::vector<cublasLtMatmulAlgo_t> m_candidates;
  size_t m_workspaceBytes = 0;
  bool m_fusedBias = false;
  std::string m_what;  // "MxNxK" for errors
};

}  // namespace twb::gpu
