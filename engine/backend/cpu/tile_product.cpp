#include "backend/cpu/tile_product.h"

#include <immintrin.h>

#include <algorithm>
#include <type_traits>

namespace twb {

namespace {
constexpr int kTileRows = 6, kTileColumns = 16;    // 12 accumulators of the 16 AVX2 registers
constexpr int64_t kLargestProduct = 64 * 64 * 64;  // m * k * n

__attribute__((target("avx2,fma"))) __m256i firstLanes(int lanes) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), index);
}

// c[rows x columns] (+)= a[rows x depth] b[depth x columns], rows <= 6, columns <= 16: each step
// of the depth broadcasts one element of each row of a and multiplies it into one 16-wide row
// of b; c is float or double (Sum). kWhole: all 16 columns (no masks, whose stores are slow on
// AMD). The loops over the tile's rows are unrolled so the accumulators stay in registers.
template <bool kWhole, class Sum>
__attribute__((target("avx2,fma"))) void productTile(const StridedMatrix& a, const float* b,
                                                     int64_t ldb, Sum* c, int64_t ldc, int rows,
                                                     int columns, int64_t depth, bool accumulate) {
  const __m256i low = firstLanes(columns), high = firstLanes(columns - 8);
  const float* rowOfA[kTileRows];
#pragma GCC unroll 8
  for (int r = 0; r < kTileRows; ++r) rowOfA[r] = a.data + std::min(r, rows - 1) * a.row;
  __m256 acc[kTileRows][2];
#pragma GCC unroll 8
  for (auto& row : acc) row[0] = row[1] = _mm256_setzero_ps();
  // Offsets advance by additions: a multiplication per step cost as much as the products.
  const int64_t step = a.step;
  const float* rowOfB = b;
  for (int64_t k = 0, offset = 0; k < depth; ++k, offset += step, rowOfB += ldb) {
    const __m256 b0 = kWhole ? _mm256_loadu_ps(rowOfB) : _mm256_maskload_ps(rowOfB, low);
    const __m256 b1 = kWhole ? _mm256_loadu_ps(rowOfB + 8) : _mm256_maskload_ps(rowOfB + 8, high);
#pragma GCC unroll 8
    for (int r = 0; r < kTileRows; ++r) {
      const __m256 x = _mm256_broadcast_ss(rowOfA[r] + offset);
      acc[r][0] = _mm256_fmadd_ps(x, b0, acc[r][0]);
      acc[r][1] = _mm256_fmadd_ps(x, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kTileRows; ++r) {
    if (r >= rows) break;
    Sum* rowOfC = c + r * ldc;
    if constexpr (kWhole && std::is_same_v<Sum, float>) {
      if (accumulate) {
        acc[r][0] = _mm256_add_ps(acc[r][0], _mm256_loadu_ps(rowOfC));
        acc[r][1] = _mm256_add_ps(acc[r][1], _mm256_loadu_ps(rowOfC + 8));
      }
      _mm256_storeu_ps(rowOfC, acc[r][0]);
      _mm256_storeu_ps(rowOfC + 8, acc[r][1]);
    } else {
      alignas(32) float row[kTileColumns];
      _mm256_store_ps(row, acc[r][0]);
      _mm256_store_ps(row + 8, acc[r][1]);
      for (int j = 0; j < columns; ++j) rowOfC[j] = accumulate ? rowOfC[j] + row[j] : row[j];
    }
  }
}
}  // namespace

bool tileProductAvailable() {
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
}

template <class Sum>
void tileProductOf(const StridedMatrix& a, const float* b, int64_t ldb, Sum* c, int64_t ldc,
                   int64_t m, int64_t k, int64_t n, bool accumulate) {
  for (int64_t row = 0; row < m; row += kTileRows) {
    const int rows = static_cast<int>(std::min<int64_t>(kTileRows, m - row));
    const StridedMatrix tile{a.data + row * a.row, a.row, a.step};
    for (int64_t column = 0; column < n; column += kTileColumns) {
      const int columns = static_cast<int>(std::min<int64_t>(kTileColumns, n - column));
      if (columns == kTileColumns)
        productTile<true, Sum>(tile, b + column, ldb, c + row * ldc + column, ldc, rows, columns, k,
                               accumulate);
      else
        productTile<false, Sum>(tile, b + column, ldb, c + row * ldc + column, ldc, rows, columns,
                                k, accumulate);
    }
  }
}

void tileProduct(const StridedMatrix& a, const float* b, int64_t ldb, float* c, int64_t ldc,
                 int64_t m, int64_t k, int64_t n, bool accumulate) {
  tileProductOf(a, b, ldb, c, ldc, m, k, n, accumulate);
}

void tileProduct(const StridedMatrix& a, const float* b, int64_t ldb, double* c, int64_t ldc,
                 int64_t m, int64_t k, int64_t n, bool accumulate) {
  tileProductOf(a, b, ldb, c, ldc, m, k, n, accumulate);
}

bool smallProductsPay(const SmallProductShape& shape) {
  return tileProductAvailable() && shape.m * shape.k * shape.n <= kLargestProduct;
}

void smallProducts(const float* a, const float* b, float* c, const SmallProductShape& shape) {
  const int64_t m = shape.m, k = shape.k, n = shape.n;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < shape.batch; ++i)
    tileProduct({a + i * m * k, k, 1}, b + i * k * n, n, c + i * m * n, n, m, k, n);
}

}  // namespace twb
