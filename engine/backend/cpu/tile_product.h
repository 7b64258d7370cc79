#pragma once

#include <cstdint>

namespace twb {

// Matrix products by register tiles held over the whole depth: 6 rows x 16 columns on AVX2 with
// FMA, 6 rows x 32 columns where the CPU has AVX-512 (twice the multiplications per instruction;
// Winograd's products ran 1.96-2.06 times as fast on an AVX-512 EPYC). Each element of a product
// sums its k terms in order by fused multiply-adds, whatever the matrices' sizes and the tiles'
// width, so a row gives the same bits in any product it is part of and on either instruction set
// (oneDNN's sgemm blocks by size: batches of 64 and 32 images differed in 0.2-0.6 % of
// Winograd's outputs, and data-parallel ranks drifted from one process by 1e-4 in 50 steps).

// Whether this CPU runs them.
bool tileProductAvailable();

// A matrix whose element (r, k) is data[r * row + k * step]: row-major (step 1) or transposed.
struct StridedMatrix {
  const float* data = nullptr;
  int64_t row = 0, step = 1;
};

// Columns a panel holds.
constexpr int64_t kPanelColumns = 16;

// A matrix stored in panels of kPanelColumns columns: element (r, j) is
// data[(j / 16) * panel + r * row + j % 16]. A row-major one with leading dimension ld is
// {data, ld} (panel 16); Winograd keeps each panel of its kernels contiguous instead, so that a
// product streams it rather than rows a power-of-two stride apart (which share a few L1 sets).
template <class T>
struct PanelMatrix {
  T* data = nullptr;
  int64_t row = 0, panel = kPanelColumns;
};

// c (m x n) = a (m x k) b (k x n), or c += when `accumulate`; on the calling thread.
void tileProduct(const StridedMatrix& a, const PanelMatrix<const float>& b,
                 const PanelMatrix<float>& c, int64_t m, int64_t k, int64_t n,
                 bool accumulate = false);
// The same, each element's float sum of k terms stored into (or added to) a double.
void tileProduct(const StridedMatrix& a, const PanelMatrix<const float>& b,
                 const PanelMatrix<double>& c, int64_t m, int64_t k, int64_t n,
                 bool accumulate = false);

// Many small products at once, c[i] = a[i] b[i] for i < batch, each (m x k) (k x n), packed:
// attention's scores and mix, where a ViT's 16 tokens and 16-wide heads make 256 products of
// 16x16 by 16x16 per layer at batch 64. oneDNN 2.6's batched matmul pays per product there
// (16-21 GFLOP/s on a 2-core AVX2 EPYC); the register tiles reach 96. From about 64x64x64 on,
// oneDNN's blocked GEMM is as fast or faster, so the engine takes this only below that.
struct SmallProductShape {
  int64_t batch = 0, m = 0, k = 0, n = 0;
};

// Whether tileProductAvailable() and the products are small enough to gain by it.
bool smallProductsPay(const SmallProductShape& shape);

// In parallel over the batch.
void smallProducts(const float* a, const float* b, float* c, const SmallProductShape& shape);

}  // namespace twb
