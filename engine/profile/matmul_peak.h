#pragma once

#include "exec/precision_policy.h"

namespace twb {

// The matmul throughput oneDNN reaches on this machine with the current thread count, in
// GFLOP/s, for operands of the given precision: the best of several runs of a large square
// matmul. The yardstick for MFU.
double measureMatmulPeakGflops(Precision precision = Precision::fp32, int size = 2048,
                               int repeats = 8);

}  // namespace twb
