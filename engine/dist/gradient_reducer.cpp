#include "dist/gradient_reducer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>

#include "exec/executor.h"

namespace twb {

GradientReducer::GradientReducer(Communicator& comm, WireType wire)
    : m_comm(comm), m_wire(wire), m_thread([this] { run(); }) {}

GradientReducer::~GradientReducer() {
  {
    std::lock_guard lock(m_mutex);
    m_stopping = true;
  }
  m_changed.notify_all();
  m_thread.join();
}

std::vector<std::string> GradientReducer::gradientOrder(const Graph& graph) {
  std::vector<std::string> names;
  for (size_t n = graph.nodes().size(); n-- > 0;)
    for (const ParamSpec& spec : graph.nodes()[n].params)
      if (spec.trainable) names.push_back(graph.nodes()[n].name + "." + spec.suffix);
  return names;
}

namespace {
// The range a bucket's gradients span when they lie one after another as packGradients lays
// them out (each from the next aligned element after the one before); null otherwise.
float* packedRange(const std::vector<Parameter*>& params, size_t& elements) {
  float* first = params.front()->grad.data<float>();
  const float* expected = first;
  for (const Parameter* p : params) {
    if (p->grad.data<float>() != expected) return nullptr;
    expected += ParameterStore::packedStride(p->grad.numel());
  }
  const Parameter* last = params.back();
  elements = static_cast<size_t>(last->grad.data<float>() + last->grad.numel() - first);
  return first;
}
}  // namespace

void GradientReducer::plan(ParameterStore& params, const Graph& graph, size_t bucketBytes) {
  m_buckets.clear();
  m_bucketOf.assign(graph.nodes().size(), npos);
  GradientBucket current;
  const auto close = [&] {
    if (current.params.empty()) return;
    current.packed = packedRange(current.params, current.packedElements);
    if (!current.packed) current.fused.resize(current.elements);
    const size_t sent = current.packed ? current.packedElements : current.elements;
    if (m_wire != WireType::f32) current.feedback.assign(sent, 0.f);
    m_buckets.push_back(std::move(current));
    current = {};
  };
  for (size_t n = graph.nodes().size(); n-- > 0;) {
    const GraphNode& node = graph.nodes()[n];
    for (const ParamSpec& spec : node.params) {
      Parameter& p = params.at(node.name + "." + spec.suffix);
      if (!spec.trainable || p.grad.empty()) continue;
      current.params.push_back(&p);
      current.elements += static_cast<size_t>(p.grad.numel());
      current.readyNode = n;
      m_bucketOf[n] = m_buckets.size();
    }
    // A bucket closes between nodes, so each node's gradients travel together.
    if (current.elements * sizeof(float) >= bucketBytes) close();
  }
  close();
  std::lock_guard lock(m_mutex);
  m_order.clear();
  m_next = 0;
  m_ready.assign(m_buckets.size(), 0);
  m_done.assign(m_buckets.size(), 0);
  m_readyUs.assign(m_buckets.size(), 0);
  m_neededAfterUs.assign(m_buckets.size(), std::nan(""));
  m_lastStep.clear();
  m_cutoff = npos;
}

std::string GradientReducer::layout() const {
  std::string text;
  for (size_t b = 0; b < m_buckets.size(); ++b) {
    text += "bucket " + std::to_string(b) + ":";
    for (const Parameter* p : m_buckets[b].params)
      text += " " + p->name + toString(p->grad.shape());
    text += "\n";
  }
  return text;
}

size_t GradientReducer::totalBytes() const {
  size_t bytes = 0;
  for (const auto& b : m_buckets) bytes += b.elements * sizeof(float);
  return bytes;
}

void GradientReducer::open(std::unique_lock<std::mutex>& lock) {
  if (m_open) return;
  waitUntil(lock, [&] { return m_finishedSteps == m_closedSteps; });
  const size_t count = m_buckets.size(), cutoff = std::min(m_cutoff, count);
  m_order.clear();
  for (size_t b = 0; b < cutoff; ++b) m_order.push_back(b);
  for (size_t b = count; b-- > cutoff;) m_order.push_back(b);
  m_next = 0;
  std::fill(m_ready.begin(), m_ready.end(), 0);
  std::fill(m_done.begin(), m_done.end(), 0);
  m_open = true;
}

void GradientReducer::gradientsReady(size_t node) {
  // A bucket is complete at the last node backward reaches of those it holds.
  const size_t b = bucketOf(node);
  if (b == npos || m_buckets[b].readyNode != node) return;
  const double now = steadyMicros();
  {
    std::unique_lock lock(m_mutex);
    open(lock);
    m_ready[b] = 1;
    m_readyUs[b] = now;
  }
  m_changed.notify_all();
}

void GradientReducer::close(std::function<void()> last) {
  const double now = steadyMicros();
  {
    std::unique_lock lock(m_mutex);
    open(lock);
    for (size_t b = 0; b < m_buckets.size(); ++b)
      if (!m_ready[b]) m_ready[b] = 1, m_readyUs[b] = now;
    m_last = std::move(last);
    m_closedUs = now;
    m_forwardWaitedUs = 0;
    m_open = false;
    ++m_closedSteps;
  }
  m_changed.notify_all();
}

void GradientReducer::waitUntil(std::unique_lock<std::mutex>& lock,
                                const std::function<bool()>& done) {
  if (!done() && !m_error) {
    const double start = steadyMicros();
    m_changed.wait(lock, [&] { return done() || m_error; });
    m_exposedSeconds += (steadyMicros() - start) / 1e6;
  }
  if (m_error) std::rethrow_exception(m_error);
}

void GradientReducer::waitFor(size_t index, bool byForward) {
  const double start = steadyMicros();
  std::unique_lock lock(m_mutex);
  waitUntil(lock, [&] { return m_done[index] != 0; });
  if (!byForward) return;
  m_neededAfterUs[index] = start - m_closedUs - m_forwardWaitedUs;
  m_forwardWaitedUs += steadyMicros() - start;
}

void GradientReducer::finish() {
  std::unique_lock lock(m_mutex);
  waitUntil(lock, [&] { return m_finishedSteps == m_closedSteps; });
}

void GradientReducer::setCutoff(size_t cutoff) {
  std::lock_guard lock(m_mutex);
  m_cutoff = cutoff;
}

size_t GradientReducer::suggestedCutoff(double backwardEndUs) {
  std::lock_guard lock(m_mutex);
  const size_t count = m_buckets.size();
  const bool measured =
      m_lastStep.size() == count && std::none_of(m_neededAfterUs.begin(), m_neededAfterUs.end(),
                                                 [](double t) { return std::isnan(t); });
  if (!measured) return count;
  std::vector<double> micros(count);
  for (const CommSpan& s : m_lastStep) micros[s.bucket] = s.endUs - s.startUs;
  std::vector<size_t> byNeed(count);
  std::iota(byNeed.begin(), byNeed.end(), size_t(0));
  std::sort(byNeed.begin(), byNeed.end(),
            [&](size_t a, size_t b) { return m_neededAfterUs[a] < m_neededAfterUs[b]; });
  size_t best = count;
  double bestWait = INFINITY;
  std::vector<double> done(count);
  for (size_t cutoff = count + 1; cutoff-- > 0;) {
    double free = 0;
    const auto reduce = [&](size_t b) {
      done[b] = free = std::max(free, m_readyUs[b]) + micros[b];
    };
    for (size_t b = 0; b < cutoff; ++b) reduce(b);
    for (size_t b = count; b-- > cutoff;) reduce(b);
    double waited = 0;
    for (size_t b : byNeed)
      waited += std::max(0.0, done[b] - (backwardEndUs + m_neededAfterUs[b] + waited));
    if (waited < bestWait) best = cutoff, bestWait = waited;
  }
  return best;
}

std::vector<CommSpan> GradientReducer::takeSpans() {
  std::lock_guard lock(m_mutex);
  return std::exchange(m_spans, {});
}

double GradientReducer::takeExposedSeconds() {
  std::lock_guard lock(m_mutex);
  return std::exchange(m_exposedSeconds, 0.0);
}

void GradientReducer::run() {
  for (;;) {
    size_t bucket = npos;
    std::function<void()> last;
    {
      std::unique_lock lock(m_mutex);
      const auto bucketReady = [&] { return m_next < m_order.size() && m_ready[m_order[m_next]]; };
      const auto stepDone = [&] {
        return m_closedSteps > m_finishedSteps && m_next == m_order.size();
      };
      m_changed.wait(lock,
                     [&] { return m_stopping || (!m_error && (bucketReady() || stepDone())); });
      if (m_stopping) return;
      if (bucketReady())
        bucket = m_order[m_next];
      else
        last = std::move(m_last);
    }
    try {
      if (bucket != npos)
        reduce(bucket);
      else if (last)
        last();
      std::lock_guard lock(m_mutex);
      if (bucket != npos) {
        m_done[bucket] = 1;
        ++m_next;
      } else {
        ++m_finishedSteps;
        m_lastStep = std::exchange(m_stepSpans, {});
      }
    } catch (...) {
      // The step cannot complete: waiters rethrow, and nothing more is sent.
      std::lock_guard lock(m_mutex);
      m_error = std::current_exception();
    }
    m_changed.notify_all();
  }
}

void GradientReducer::reduce(size_t index) {
  GradientBucket& b = m_buckets[index];
  const double start = steadyMicros();
  if (b.packed) {  // where backward wrote them (the gaps between are zeros, and stay so)
    averageOverRanks(b, b.packed, b.packedElements);
    recordSpan(index, start, b.packedElements);
    return;
  }
  float* fused = b.fused.data();
  for (const Parameter* p : b.params) {
    std::memcpy(fused, p->grad.data<float>(), sizeof(float) * static_cast<size_t>(p->grad.numel()));
    fused += p->grad.numel();
  }
  averageOverRanks(b, b.fused.data(), b.elements);
  fused = b.fused.data();
  for (Parameter* p : b.params) {
    std::memcpy(p->grad.data<float>(), fused, sizeof(float) * static_cast<size_t>(p->grad.numel()));
    fused += p->grad.numel();
  }
  recordSpan(index, start, b.elements);
}

namespace {
// The largest gradient of any rank times the ranks (the most a partial sum can reach) is scaled
// to at most 2^12, a sixteenth of fp16's range: room for gradients that grow before the next
// agreement (with 2^14, the mlp's early steps overflowed once a run). Gradients down to about
// 2^-25 times the ranks of the largest stay clear of fp16's subnormals.
constexpr float kScaledLargest = 4096.f;
constexpr int kReductionsPerAgreement = 100;
}  // namespace

void GradientReducer::averageOverRanks(GradientBucket& b, float* data, size_t count) {
  const float ranks = static_cast<float>(m_comm.size());
  float* feedback = b.feedback.empty() ? nullptr : b.feedback.data();
  if (m_wire != WireType::f16) return m_comm.allReduceMean(data, count, m_wire, feedback);
  // The feedback is kept in the units of the scale it was rounded under.
  if (b.wireScale == 0 || b.reductionsSinceAgreement >= kReductionsPerAgreement) {
    const float was = b.wireScale;
    if (was != 0)
      for (size_t i = 0; i < count; ++i) feedback[i] /= was;  // powers of two: exact
    b.wireScale = agreedScale(data, feedback, count);
    for (size_t i = 0; i < count; ++i) feedback[i] *= b.wireScale;
    b.reductionsSinceAgreement = 0;
  }
  ++b.reductionsSinceAgreement;
  for (size_t i = 0; i < count; ++i) data[i] *= b.wireScale;
  m_comm.allReduceSum(data, count, WireType::f16, feedback);
  // Every rank holds the same bits now, so every rank decides the same. Infinities and NaNs are
  // the floats whose exponent bits are all set; tested on the bits, the pass that takes the scale
  // out finds them too and stays vectorized (a float sum would not be).
  const float toMean = 1.0f / (b.wireScale * ranks);
  uint32_t notFinite = 0;
  for (size_t i = 0; i < count; ++i) {
    uint32_t bits;
    std::memcpy(&bits, &data[i], sizeof bits);
    notFinite |= (bits & 0x7f800000u) == 0x7f800000u;
    data[i] *= toMean;
  }
  b.overflowed = notFinite != 0;
  if (!b.overflowed) return;
  std::fill(data, data + count, 0.f);
  std::fill(feedback, feedback + count, 0.f);
  b.wireScale = 0;  // agreed anew at the next reduction
}

float GradientReducer::agreedScale(const float* data, const float* feedback, size_t count) {
  float largest = 0;
  for (size_t i = 0; i < count; ++i) largest = std::max(largest, std::abs(data[i] + feedback[i]));
  std::vector<float> all(static_cast<size_t>(m_comm.size()));
  m_comm.allGather(&largest, sizeof largest, all.data());
  largest = *std::max_element(all.begin(), all.end());
  if (!std::isfinite(largest) || largest == 0) return 1;
  const float exponent =
      std::floor(std::log2(kScaledLargest / (largest * static_cast<float>(m_comm.size()))));
  return std::ldexp(1.0f, static_cast<int>(std::clamp(exponent, -60.f, 60.f)));
}

void GradientReducer::recordSpan(size_t bucket, double startUs, size_t elements) {
  const CommSpan span{bucket, startUs, steadyMicros(), elements * sizeof(float)};
  std::lock_guard lock(m_mutex);
  m_spans.push_back(span);
  m_stepSpans.push_back(span);
}

}  // namespace twb
