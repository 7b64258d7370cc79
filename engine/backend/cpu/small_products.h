#pragma once

#include <cstdint>

namespace twb {

// Many small matrix products at once, c[i] = a[i] b[i] for i < batch, each (m x k) (k x n), all
// row-major f32: attention's scores and mix, where a ViT's 16 tokens and 16-wide heads make
// 256 products of 16x16 by 16x16 per layer at batch 64. oneDNN 2.6's batched matmul pays per
// product there (16-21 GFLOP/s on a 2-core AVX2 EPYC); a register tile of 6 rows x 16 columns
// held over the whole depth reaches 96. From about 64x64x64 on, oneDNN's blocked GEMM is as fast
// or faster, so the engine takes this loop only below that.
struct SmallProductShape {
  int64_t batch = 0, m = 0, k = 0, n = 0;
};

// Whether this CPU runs smallProducts() (AVX2 with FMA) and the products are small enough to
// gain by it.
bool smallProductsPay(const SmallProductShape& shape);

void smallProducts(const float* a, const float* b, float* c, const SmallProductShape& shape);

}  // namespace twb
