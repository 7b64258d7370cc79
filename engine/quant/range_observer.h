#pragma once

#include <string>
#include <vector>

#include "exec/quant_plan.h"

namespace twb {

// How calibration turns the values one activation took into a clipping threshold:
//   minmax      the largest magnitude seen;
//   percentile  that percentile of the magnitudes (default 99.99: a few outliers do not
//               stretch the scale of everything else);
//   entropy     the threshold whose quantized histogram is closest to the real one in KL
//               divergence (TensorRT's calibration), searched over a 2048-bin histogram.
enum class ObserverKind { minmax, percentile, entropy };
ObserverKind parseObserver(const std::string& name);  // throws twb::Error naming the value

// The values of one activation over the calibration set, seen in two passes: first the range,
// then (percentile and entropy only) a histogram of magnitudes over [0, largest magnitude].
class RangeObserver {
 public:
  static constexpr int kBins = 2048;

  void observeRange(const float* values, size_t count);
  void observeHistogram(const float* values, size_t count);
  ActivationRange result(ObserverKind kind, double percentile) const;

  float absMax() const { return std::max(-m_min, m_max); }

 private:
  float percentileThreshold(double percentile) const;
  float entropyThreshold(int quantBins) const;

  float m_min = 0, m_max = 0;  // zero is always in range (an activation may be all positive)
  std::vector<double> m_histogram;  // of the non-zero magnitudes
  double m_zeros = 0;
};

}  // namespace twb
