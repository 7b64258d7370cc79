#include "backend/cuda/lt_matmul.h"

#include <string>

#include "backend/cuda/cuda_check.h"

namespace twb::gpu {

LtMatmul::LtMatmul(cublasLtHandle_t handle, Shape s, cudaDataType_t operands,
                   cudaDataType_t result, bool tf32, size_t workspaceBytes)
    : m_handle(handle), m_workspaceBytes(workspaceBytes) {
  const cublasComputeType_t compute =
      tf32 && operands == CUDA_R_32F ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  TWB_CUBLAS(cublasLtMatmulDescCreate(&m_desc, compute, CUDA_R_32F));
  const cublasOperation_t ta = s.transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t tb = s.transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  TWB_CUBLAS(cublasLtMatmulDescSetAttribute(m_desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
  TWB_CUBLAS(cublasLtMatmulDescSetAttribute(m_desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
  // Layouts describe the stored matrices, before the transposes.
  TWB_CUBLAS(cublasLtMatrixLayoutCreate(&m_a, operands, s.transA ? s.k : s.m,
                                        s.transA ? s.m : s.k, s.lda));
  TWB_CUBLAS(cublasLtMatrixLayoutCreate(&m_b, operands, s.transB ? s.n : s.k,
                                        s.transB ? s.k : s.n, s.ldb));
  TWB_CUBLAS(cublasLtMatrixLayoutCreate(&m_c, result, s.m, s.n, s.ldc));

  cublasLtMatmulPreference_t preference = nullptr;
  TWB_CUBLAS(cublasLtMatmulPreferenceCreate(&preference));
  TWB_CUBLAS(cublasLtMatmulPreferenceSetAttribute(
      preference, CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, &workspaceBytes, sizeof workspaceBytes));
  cublasLtMatmulHeuristicResult_t found{};
  int count = 0;
  const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
      handle, m_desc, m_a, m_b, m_c, m_c, preference, 1, &found, &count);
  cublasLtMatmulPreferenceDestroy(preference);
  if (status != CUBLAS_STATUS_SUCCESS || count == 0)
    throw Error("cuBLASLt has no algorithm for a " + std::to_string(s.m) + "x" +
                std::to_string(s.n) + "x" + std::to_string(s.k) + " matrix product (status " +
                std::to_string(int(status)) + ")");
  m_algo = found.algo;
}

LtMatmul::~LtMatmul() {
  cublasLtMatrixLayoutDestroy(m_c);
  cublasLtMatrixLayoutDestroy(m_b);
  cublasLtMatrixLayoutDestroy(m_a);
  cublasLtMatmulDescDestroy(m_desc);
}

void LtMatmul::run(const void* a, const void* b, void* c, bool accumulate, void* workspace,
                   cudaStream_t stream) const {
  const float one = 1, beta = accumulate ? 1.f : 0.f;
  TWB_CUBLAS(cublasLtMatmul(m_handle, m_desc, &one, a, m_a, b, m_b, &beta, c, m_c, c, m_c, &m_algo,
                            workspace, m_workspaceBytes, stream));
}

}  // namespace twb::gpu
