#include "backend/cuda/lt_matmul.h"

#include <string>

#include "backend/cuda/cuda_check.h"

namespace twb::gpu {

namespace {
constexpr int kCandidates = 8;
}  // namespace

LtMatmul::LtMatmul(cublasLtHandle_t handle, Shape s, cudaDataType_t operands, cudaDataType_t result,
                   bool tf32, size_t workspaceBytes, const void* bias, cudaDataType_t biasType)
    : m_handle(handle),
      m_workspaceBytes(workspaceBytes),
      m_what(std::to_string(s.m) + "x" + std::to_string(s.n) + "x" + std::to_string(s.k)) {
  // Layouts describe the stored matrices, before the transposes.
  TWB_CUBLAS(cublasLtMatrixLayoutCreate(&m_a, operands, s.transA ? s.k : s.m, s.transA ? s.m : s.k,
                                        s.lda));
  TWB_CUBLAS(cublasLtMatrixLayoutCreate(&m_b, operands, s.transB ? s.n : s.k, s.transB ? s.k : s.n,
                                        s.ldb));
  TWB_CUBLAS(cublasLtMatrixLayoutCreate(&m_c, result, s.m, s.n, s.ldc));
  const cublasComputeType_t compute =
      tf32 && operands == CUDA_R_32F ? CUBLAS_COMPUTE_32F_FAST_TF32 : CUBLAS_COMPUTE_32F;
  if (bias) {
    describe(s, compute, bias, biasType);
    findAlgorithms();
    m_fusedBias = !m_candidates.empty();
    if (!m_fusedBias) cublasLtMatmulDescDestroy(m_desc);
  }
  if (!m_fusedBias) {  // no fused kernel: the caller adds the bias
    describe(s, compute, nullptr, biasType);
    findAlgorithms();
  }
  if (m_candidates.empty())
    throw Error("cuBLASLt has no algorithm for a " + m_what + " matrix product");
  m_algo = m_candidates[0];
}

void LtMatmul::describe(const Shape& s, cublasComputeType_t compute, const void* bias,
                        cudaDataType_t biasType) {
  TWB_CUBLAS(cublasLtMatmulDescCreate(&m_desc, compute, CUDA_R_32F));
  const cublasOperation_t ta = s.transA ? CUBLAS_OP_T : CUBLAS_OP_N;
  const cublasOperation_t tb = s.transB ? CUBLAS_OP_T : CUBLAS_OP_N;
  TWB_CUBLAS(cublasLtMatmulDescSetAttribute(m_desc, CUBLASLT_MATMUL_DESC_TRANSA, &ta, sizeof ta));
  TWB_CUBLAS(cublasLtMatmulDescSetAttribute(m_desc, CUBLASLT_MATMUL_DESC_TRANSB, &tb, sizeof tb));
  if (!bias) return;
  const cublasLtEpilogue_t epilogue = CUBLASLT_EPILOGUE_BIAS;
  TWB_CUBLAS(cublasLtMatmulDescSetAttribute(m_desc, CUBLASLT_MATMUL_DESC_EPILOGUE, &epilogue,
                                            sizeof epilogue));
  TWB_CUBLAS(cublasLtMatmulDescSetAttribute(m_desc, CUBLASLT_MATMUL_DESC_BIAS_POINTER, &bias,
                                            sizeof bias));
  TWB_CUBLAS(cublasLtMatmulDescSetAttribute(m_desc, CUBLASLT_MATMUL_DESC_BIAS_DATA_TYPE, &biasType,
                                            sizeof biasType));
}

void LtMatmul::findAlgorithms() {
  cublasLtMatmulPreference_t preference = nullptr;
  TWB_CUBLAS(cublasLtMatmulPreferenceCreate(&preference));
  TWB_CUBLAS(cublasLtMatmulPreferenceSetAttribute(preference,
                                                  CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES,
                                                  &m_workspaceBytes, sizeof m_workspaceBytes));
  cublasLtMatmulHeuristicResult_t found[kCandidates] = {};
  int count = 0;
  const cublasStatus_t status = cublasLtMatmulAlgoGetHeuristic(
      m_handle, m_desc, m_a, m_b, m_c, m_c, preference, kCandidates, found, &count);
  cublasLtMatmulPreferenceDestroy(preference);
  m_candidates.clear();
  if (status != CUBLAS_STATUS_SUCCESS) return;
  for (int i = 0; i < count; ++i)
    if (found[i].state == CUBLAS_STATUS_SUCCESS) m_candidates.push_back(found[i].algo);
}

void LtMatmul::tune(const void* a, const void* b, void* c, void* workspace, cudaStream_t stream) {
  if (m_candidates.size() < 2) return;
  cudaEvent_t start = nullptr, stop = nullptr;
  TWB_CUDA(cudaEventCreate(&start));
  TWB_CUDA(cudaEventCreate(&stop));
  float best = 0;
  cublasLtMatmulAlgo_t fastest = m_candidates[0];
  for (const cublasLtMatmulAlgo_t& algo : m_candidates) {
    m_algo = algo;
    run(a, b, c, false, workspace, stream);  // warm-up
    TWB_CUDA(cudaEventRecord(start, stream));
    for (int i = 0; i < 3; ++i) run(a, b, c, false, workspace, stream);
    TWB_CUDA(cudaEventRecord(stop, stream));
    TWB_CUDA(cudaEventSynchronize(stop));
    float ms = 0;
    TWB_CUDA(cudaEventElapsedTime(&ms, start, stop));
    if (best == 0 || ms < best) best = ms, fastest = algo;
  }
  m_algo = fastest;
  cudaEventDestroy(start);
  cudaEventDestroy(stop);
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
