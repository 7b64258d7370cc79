#include "backend/cpu/tile_product.h"

#include <immintrin.h>

#include <algorithm>
#include <type_traits>

namespace twb {

namespace {
constexpr int kTileRows = 6;                       // rows of a tile on either instruction set
constexpr int64_t kLargestProduct = 64 * 64 * 64;  // m * k * n

__attribute__((target("avx2,fma"))) __m256i firstLanes(int lanes) {
  const __m256i index = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(lanes), index);
}

// Rows of a tile of a, the last repeated where the tile has fewer (their sums are not stored).
struct TileRows {
  TileRows(const StridedMatrix& a, int rows) {
#pragma GCC unroll 8
    for (int r = 0; r < kTileRows; ++r) row[r] = a.data + std::min(r, rows - 1) * a.row;
  }
  const float* row[kTileRows];
};

// Stores (or adds) the first `columns` sums of a tile's row into c's row, float or double.
template <class Sum>
void storeRow(const float* sums, Sum* c, int columns, bool accumulate) {
  for (int j = 0; j < columns; ++j) c[j] = accumulate ? c[j] + sums[j] : sums[j];
}

// c[rows x columns] (+)= a[rows x depth] b[depth x columns] on AVX2, rows <= 6, columns <= 16
// (one panel): each step of the depth broadcasts one element of each row of a and multiplies it
// into one 16-wide row of b; c is float or double (Sum). kWhole: all 16 columns (no masks, whose
// stores are slow on AMD). The loops over the tile's rows are unrolled so the accumulators stay in
// registers.
template <bool kWhole, class Sum>
__attribute__((target("avx2,fma"))) void productTile(const StridedMatrix& a, const float* b,
                                                     int64_t ldb, Sum* c, int64_t ldc, int rows,
                                                     int columns, int64_t depth, bool accumulate) {
  const __m256i low = firstLanes(columns), high = firstLanes(columns - 8);
  const TileRows rowOfA(a, rows);
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
      const __m256 x = _mm256_broadcast_ss(rowOfA.row[r] + offset);
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
      alignas(32) float row[kPanelColumns];
      _mm256_store_ps(row, acc[r][0]);
      _mm256_store_ps(row + 8, acc[r][1]);
      storeRow(row, rowOfC, columns, accumulate);
    }
  }
}

// The same on AVX-512 over two panels, rows <= 6 and columns <= 32: 12 accumulators of 16 lanes,
// each broadcast of a multiplied into both panels' rows of b. Masked loads and stores are cheap
// here, so one form serves whole and partial tiles.
template <class Sum>
__attribute__((target("avx512f"))) void productTileWide(const StridedMatrix& a,
                                                        const PanelMatrix<const float>& b,
                                                        const PanelMatrix<Sum>& c, int rows,
                                                        int columns, int64_t depth,
                                                        bool accumulate) {
  const auto lanes = [](int n) {
    return static_cast<__mmask16>(n >= 16 ? 0xffff : n <= 0 ? 0 : (1u << n) - 1);
  };
  const __mmask16 low = lanes(columns), high = lanes(columns - 16);
  const TileRows rowOfA(a, rows);
  __m512 acc[kTileRows][2];
#pragma GCC unroll 8
  for (auto& row : acc) row[0] = row[1] = _mm512_setzero_ps();
  const int64_t step = a.step, ldb = b.row;
  const float *first = b.data, *second = b.data + b.panel;
  for (int64_t k = 0, offset = 0; k < depth; ++k, offset += step, first += ldb, second += ldb) {
    const __m512 b0 = _mm512_maskz_loadu_ps(low, first);
    const __m512 b1 = _mm512_maskz_loadu_ps(high, second);
#pragma GCC unroll 8
    for (int r = 0; r < kTileRows; ++r) {
      const __m512 x = _mm512_set1_ps(rowOfA.row[r][offset]);
      acc[r][0] = _mm512_fmadd_ps(x, b0, acc[r][0]);
      acc[r][1] = _mm512_fmadd_ps(x, b1, acc[r][1]);
    }
  }
#pragma GCC unroll 8
  for (int r = 0; r < kTileRows; ++r) {
    if (r >= rows) break;
    Sum *rowOfFirst = c.data + r * c.row, *rowOfSecond = rowOfFirst + c.panel;
    if constexpr (std::is_same_v<Sum, float>) {
      if (accumulate) {
        acc[r][0] = _mm512_add_ps(acc[r][0], _mm512_maskz_loadu_ps(low, rowOfFirst));
        acc[r][1] = _mm512_add_ps(acc[r][1], _mm512_maskz_loadu_ps(high, rowOfSecond));
      }
      _mm512_mask_storeu_ps(rowOfFirst, low, acc[r][0]);
      _mm512_mask_storeu_ps(rowOfSecond, high, acc[r][1]);
    } else {
      alignas(64) float row[2 * kPanelColumns];
      _mm512_store_ps(row, acc[r][0]);
      _mm512_store_ps(row + kPanelColumns, acc[r][1]);
      storeRow(row, rowOfFirst, std::min(columns, 16), accumulate);
      storeRow(row + kPanelColumns, rowOfSecond, columns - 16, accumulate);
    }
  }
}

bool wideTilesAvailable() {
  static const bool available = __builtin_cpu_supports("avx512f");
  return available;
}

// Column tiles outermost: their panels of b stay in the L1 cache while the rows of a stream by
// (at 512 by 512 channels, 165 against 150 GFLOP/s with rows outermost).
template <class Sum>
void tileProductOf(const StridedMatrix& a, const PanelMatrix<const float>& b,
                   const PanelMatrix<Sum>& c, int64_t m, int64_t k, int64_t n, bool accumulate) {
  const bool wide = wideTilesAvailable();
  const int64_t tileColumns = wide ? 2 * kPanelColumns : kPanelColumns;
  for (int64_t column = 0; column < n; column += tileColumns) {
    const int columns = static_cast<int>(std::min(tileColumns, n - column));
    const PanelMatrix<const float> panelOfB{b.data + column / kPanelColumns * b.panel, b.row,
                                            b.panel};
    const PanelMatrix<Sum> panelOfC{c.data + column / kPanelColumns * c.panel, c.row, c.panel};
    for (int64_t row = 0; row < m; row += kTileRows) {
      const int rows = static_cast<int>(std::min<int64_t>(kTileRows, m - row));
      const StridedMatrix tile{a.data + row * a.row, a.row, a.step};
      Sum* rowOfC = panelOfC.data + row * c.row;
      if (wide)
        productTileWide<Sum>(tile, panelOfB, {rowOfC, c.row, c.panel}, rows, columns, k,
                             accumulate);
      else if (columns == kPanelColumns)
        productTile<true, Sum>(tile, panelOfB.data, b.row, rowOfC, c.row, rows, columns, k,
                               accumulate);
      else
        productTile<false, Sum>(tile, panelOfB.data, b.row, rowOfC, c.row, rows, columns, k,
                                accumulate);
    }
  }
}
}  // namespace

bool tileProductAvailable() {
  static const bool available = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return available;
}

void tileProduct(const StridedMatrix& a, const PanelMatrix<const float>& b,
                 const PanelMatrix<float>& c, int64_t m, int64_t k, int64_t n, bool accumulate) {
  tileProductOf(a, b, c, m, k, n, accumulate);
}

void tileProduct(const StridedMatrix& a, const PanelMatrix<const float>& b,
                 const PanelMatrix<double>& c, int64_t m, int64_t k, int64_t n, bool accumulate) {
  tileProductOf(a, b, c, m, k, n, accumulate);
}

bool smallProductsPay(const SmallProductShape& shape) {
  return tileProductAvailable() && shape.m * shape.k * shape.n <= kLargestProduct;
}

void smallProducts(const float* a, const float* b, float* c, const SmallProductShape& shape) {
  const int64_t m = shape.m, k = shape.k, n = shape.n;
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < shape.batch; ++i)
    tileProduct({a + i * m * k, k, 1}, {b + i * k * n, n}, {c + i * m * n, n}, m, k, n);
}

}  // namespace twb
