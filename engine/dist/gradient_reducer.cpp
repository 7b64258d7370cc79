#include "dist/gradient_reducer.h"

#include <algorithm>
#include <cstring>

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

void GradientReducer::plan(ParameterStore& params, const Graph& graph, size_t bucketBytes) {
  m_buckets.clear();
  m_bucketsOfNode.assign(graph.nodes().size(), {});
  GradientBucket current;
  const auto close = [&] {
    if (current.params.empty()) return;
    current.fused.resize(current.elements);
    if (m_wire != WireType::f32) current.feedback.assign(current.elements, 0.f);
    m_bucketsOfNode[current.readyNode].push_back(m_buckets.size());
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
    }
    // A bucket closes between nodes, so each node's gradients travel together.
    if (current.elements * sizeof(float) >= bucketBytes) close();
  }
  close();
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

void GradientReducer::gradientsReady(size_t node) {
  if (node >= m_bucketsOfNode.size() || m_bucketsOfNode[node].empty()) return;
  {
    std::lock_guard lock(m_mutex);
    for (size_t b : m_bucketsOfNode[node]) m_queue.push_back(b);
    m_pending += m_bucketsOfNode[node].size();
  }
  m_changed.notify_all();
}

void GradientReducer::finish() {
  const double start = steadyMicros();
  std::unique_lock lock(m_mutex);
  m_changed.wait(lock, [&] { return m_pending == 0 || m_error; });
  m_exposedSeconds += (steadyMicros() - start) / 1e6;
  if (m_error) std::rethrow_exception(m_error);
  m_lastStep = std::exchange(m_stepSpans, {});
}

std::vector<CommSpan> GradientReducer::takeSpans() {
  std::lock_guard lock(m_mutex);
  return std::exchange(m_spans, {});
}

double GradientReducer::takeExposedSeconds() { return std::exchange(m_exposedSeconds, 0.0); }

void GradientReducer::run() {
  for (;;) {
    size_t bucket;
    {
      std::unique_lock lock(m_mutex);
      m_changed.wait(lock, [&] { return m_stopping || (!m_queue.empty() && !m_error); });
      if (m_stopping) return;
      bucket = m_queue.front();
      m_queue.pop_front();
    }
    try {
      reduce(bucket);
      std::lock_guard lock(m_mutex);
      --m_pending;
    } catch (...) {
      // The step cannot complete: finish() rethrows, and nothing more is sent.
      std::lock_guard lock(m_mutex);
      m_error = std::current_exception();
      m_queue.clear();
    }
    m_changed.notify_all();
  }
}

void GradientReducer::reduce(size_t index) {
  GradientBucket& b = m_buckets[index];
  const double start = steadyMicros();
  float* fused = b.fused.data();
  for (const Parameter* p : b.params) {
    std::memcpy(fused, p->grad.data<float>(), sizeof(float) * static_cast<size_t>(p->grad.numel()));
    fused += p->grad.numel();
  }
  m_comm.allReduceSum(b.fused.data(), b.elements, m_wire,
                      b.feedback.empty() ? nullptr : b.feedback.data());
  const float scale = 1.0f / static_cast<float>(m_comm.size());
  fused = b.fused.data();
  for (Parameter* p : b.params) {
    float* g = p->grad.data<float>();
    for (int64_t i = 0; i < p->grad.numel(); ++i) g[i] = fused[i] * scale;
    fused += p->grad.numel();
  }
  const CommSpan span{index, start, steadyMicros(), b.elements * sizeof(float)};
  std::lock_guard lock(m_mutex);
  m_spans.push_back(span);
  m_stepSpans.push_back(span);
}

}  // namespace twb
