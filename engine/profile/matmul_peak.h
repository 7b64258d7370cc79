#pragma once

namespace twb {

// The fp32 matmul throughput oneDNN reaches on this machine with the current thread count, in
// GFLOP/s: the best of several runs of a large square matmul. The yardstick for MFU.
double measureMatmulPeakGflops(int size = 2048, int repeats = 8);

}  // namespace twb
