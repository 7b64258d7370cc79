#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <exception>
#include <mutex>
#include <thread>
#include <vector>

#include "dist/communicator.h"
#include "exec/parameter_store.h"
#include "graph/graph.h"

namespace twb {

// One all-reduce's worth of gradients: parameters in the order backward finishes them.
struct GradientBucket {
  std::vector<Parameter*> params;
  size_t elements = 0;
  size_t readyNode = 0;  // the graph node whose backward writes the bucket's last gradient
  std::vector<float> fused;
  std::vector<float> feedback;  // compressed wire: this rank's rounding, added back next step
};

// A bucket's all-reduce on the communication thread, on the steady clock (profile rows).
struct CommSpan {
  size_t bucket = 0;
  double startUs = 0, endUs = 0;
  size_t bytes = 0;  // fused f32 bytes
};

// Averages gradients over the ranks while backward runs: trainable parameters are fused into
// buckets in reverse graph order, and a bucket's all-reduce starts on a communication thread as
// soon as the node writing its last gradient has finished its backward.
class GradientReducer {
 public:
  GradientReducer(Communicator& comm, WireType wire);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Groups the trainable parameters of `graph` into buckets of at least `bucketBytes` (the last
  // may be smaller). Call between steps only.
  void plan(ParameterStore& params, const Graph& graph, size_t bucketBytes);
  // A description of the buckets every rank must share (parameter names, shapes and bucket
  // boundaries), for the check that the ranks run the same model.
  std::string layout() const;
  size_t bucketCount() const { return m_buckets.size(); }
  size_t totalBytes() const;

  void gradientsReady(size_t node);
  // Waits for every bucket of the step; gradients are then the mean over the ranks.
  void finish();

  // Since the last takeSpans(): the all-reduces run, and the seconds backward's caller waited in
  // finish() for them (the communication backward did not hide).
  std::vector<CommSpan> takeSpans();
  double takeExposedSeconds();
  // The all-reduces of the step finish() last waited for.
  const std::vector<CommSpan>& lastStepSpans() const { return m_lastStep; }

 private:
  void run();
  void reduce(size_t bucket);

  Communicator& m_comm;
  WireType m_wire;
  std::vector<GradientBucket> m_buckets;
  std::vector<std::vector<size_t>> m_bucketsOfNode;
  std::mutex m_mutex;
  std::condition_variable m_changed;
  std::deque<size_t> m_queue;
  size_t m_pending = 0;  // queued or running this step
  bool m_stopping = false;
  std::exception_ptr m_error;
  std::vector<CommSpan> m_spans;
  std::vector<CommSpan> m_stepSpans, m_lastStep;
  double m_exposedSeconds = 0;
  std::thread m_thread;
};

}  // namespace twb
