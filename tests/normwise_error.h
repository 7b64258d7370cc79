#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace twb::test {

// ||ours - reference|| / ||reference||, the norm-wise relative error of the GPU checks' METHOD:
// NaN and a size mismatch are infinite, so they never pass. Header-only and Qt-free, for
// tests/gpu/cuda_checks too.
inline double normwiseError(const std::vector<float>& ours, const std::vector<float>& reference) {
  if (ours.size() != reference.size()) return INFINITY;
  double diff = 0, ref = 0;
  for (size_t i = 0; i < ours.size(); ++i) {
    diff += (double(ours[i]) - reference[i]) * (double(ours[i]) - reference[i]);
    ref += double(reference[i]) * reference[i];
  }
  const double e = std::sqrt(diff) / std::max(std::sqrt(ref), 1e-30);
  return std::isnan(e) ? INFINITY : e;
}

}  // namespace twb::test
