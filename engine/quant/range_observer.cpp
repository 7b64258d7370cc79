#include "quant/range_observer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "core/error.h"

namespace twb {

ObserverKind parseObserver(const std::string& name) {
  if (name == "minmax") return ObserverKind::minmax;
  if (name == "percentile") return ObserverKind::percentile;
  if (name == "entropy") return ObserverKind::entropy;
  throw Error("unknown observer '" + name + "' (expected minmax, percentile or entropy)");
}

void RangeObserver::observeRange(const float* values, size_t count) {
  float lo = m_min, hi = m_max;
#pragma omp parallel for reduction(min : lo) reduction(max : hi)
  for (size_t i = 0; i < count; ++i) {
    lo = std::min(lo, values[i]);
    hi = std::max(hi, values[i]);
  }
  m_min = lo;
  m_max = hi;
}

void RangeObserver::observeHistogram(const float* values, size_t count) {
  if (m_histogram.empty()) m_histogram.assign(kBins, 0.0);
  const float top = absMax();
  if (top <= 0) return;
  const float perBin = kBins / top;
  for (size_t i = 0; i < count; ++i) {
    if (values[i] == 0) {
      m_zeros += 1;
      continue;
    }
    const int bin = std::min(kBins - 1, static_cast<int>(std::fabs(values[i]) * perBin));
    m_histogram[static_cast<size_t>(bin)] += 1;
  }
}

ActivationRange RangeObserver::result(ObserverKind kind, double percentile) const {
  ActivationRange range;
  range.nonNegative = m_min >= 0;
  range.threshold = absMax();
  if (kind == ObserverKind::minmax || m_histogram.empty() || range.threshold <= 0) return range;
  range.threshold = kind == ObserverKind::percentile
                        ? percentileThreshold(percentile)
                        : entropyThreshold(range.nonNegative ? 256 : 128);
  return range;
}

float RangeObserver::percentileThreshold(double percentile) const {
  double total = m_zeros;
  for (double h : m_histogram) total += h;
  const double wanted = total * percentile / 100.0;
  double seen = m_zeros;
  for (int b = 0; b < kBins; ++b) {
    seen += m_histogram[static_cast<size_t>(b)];
    if (seen >= wanted) return absMax() * static_cast<float>(b + 1) / kBins;
  }
  return absMax();
}

float RangeObserver::entropyThreshold(int quantBins) const {
  // For each candidate cut i: P is the histogram below the cut with everything above it added
  // to its last bin (what clipping does); Q is P's first i bins merged into `quantBins` levels
  // and spread back evenly over the bins that were not empty. The cut with the smallest
  // KL(P || Q) loses the least information. Exact zeros (half of every ReLU output) are left
  // out: any scale represents them exactly, and spreading their spike over the first level
  // would penalise every wide cut.
  double bestDivergence = std::numeric_limits<double>::infinity();
  int bestCut = kBins;
  std::vector<double> p, q;
  for (int cut = quantBins; cut <= kBins; ++cut) {
    p.assign(m_histogram.begin(), m_histogram.begin() + cut);
    for (int b = cut; b < kBins; ++b) p[static_cast<size_t>(cut - 1)] += m_histogram[b];
    q.assign(static_cast<size_t>(cut), 0.0);
    for (int level = 0; level < quantBins; ++level) {
      const int first = level * cut / quantBins, last = (level + 1) * cut / quantBins;
      double sum = 0;
      int nonEmpty = 0;
      for (int b = first; b < last; ++b) {
        sum += m_histogram[static_cast<size_t>(b)];
        nonEmpty += m_histogram[static_cast<size_t>(b)] > 0;
      }
      for (int b = first; b < last; ++b)
        if (m_histogram[static_cast<size_t>(b)] > 0) q[static_cast<size_t>(b)] = sum / nonEmpty;
    }
    double pTotal = 0, qTotal = 0;
    for (int b = 0; b < cut; ++b) {
      pTotal += p[static_cast<size_t>(b)];
      qTotal += q[static_cast<size_t>(b)];
    }
    if (pTotal <= 0 || qTotal <= 0) continue;
    double divergence = 0;
    for (int b = 0; b < cut; ++b) {
      const double pb = p[static_cast<size_t>(b)] / pTotal;
      if (pb <= 0) continue;
      // The clipped mass in P's last bin may have no counterpart in Q: a small floor keeps
      // the divergence finite and large there.
      const double qb = std::max(q[static_cast<size_t>(b)] / qTotal, 1e-12);
      divergence += pb * std::log(pb / qb);
    }
    if (divergence < bestDivergence) {
      bestDivergence = divergence;
      bestCut = cut;
    }
  }
  return std::min(absMax(), absMax() * (static_cast<float>(bestCut) + 0.5f) / kBins);
}

}  // namespace twb
