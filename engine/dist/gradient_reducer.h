#pragma once

#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
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
  // Where the gradients were packed (ParameterStore::packGradients): the bucket's range there,
  // reduced in place; null: they are copied into `fused` and back.
  float* packed = nullptr;
  size_t packedElements = 0;  // the range, with the gaps between gradients
  size_t readyNode = 0;  // the graph node whose backward writes the bucket's last gradient
  std::vector<float> fused;
  std::vector<float> feedback;  // compressed wire: this rank's rounding, added back next step
  // fp16 on the wire: the power of two the gradients are multiplied by before they are sent, so
  // that small ones stay clear of fp16's subnormals and sums below its largest value; 0 until the
  // ranks agree on one (at the first reduction, after an overflow, and every 100 reductions).
  float wireScale = 0;
  int reductionsSinceAgreement = 0;
  bool overflowed = false;  // the last reduction overflowed fp16: its gradients are zero
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
//
// A step opens with its first gradientsReady() and closes with close(); its all-reduces may go
// on after that, while the caller starts the next step (waitFor() one bucket, finish() all).
// Every rank must send the same collectives in the same order, so the order of a step's buckets
// is fixed before it opens and never depends on timing: buckets [0, cutoff) in the order
// backward finishes them, then the rest first layers first, the order the next forward needs
// them in.
class GradientReducer {
 public:
  static constexpr size_t npos = SIZE_MAX;

  GradientReducer(Communicator& comm, WireType wire);
  // The trainable parameters of `graph` in the order backward finishes their gradients (nodes
  // last to first, a node's in its order): the buckets' order, in which packing the gradients
  // (ParameterStore::packGradients) makes every bucket one range.
  static std::vector<std::string> gradientOrder(const Graph& graph);
  ~GradientReducer();
  GradientReducer(const GradientReducer&) = delete;
  GradientReducer& operator=(const GradientReducer&) = delete;

  // Groups the trainable parameters of `graph` into buckets of at least `bucketBytes` (the last
  // may be smaller); a node's parameters always share one. Call between steps only (after
  // finish()).
  void plan(ParameterStore& params, const Graph& graph, size_t bucketBytes);
  // A description of the buckets every rank must share (parameter names, shapes and bucket
  // boundaries), for the check that the ranks run the same model.
  std::string layout() const;
  size_t bucketCount() const { return m_buckets.size(); }
  size_t totalBytes() const;
  const GradientBucket& bucket(size_t index) const { return m_buckets[index]; }
  // After waitFor(index): its last reduction overflowed fp16 on the wire, so its gradients were
  // set to zero (the caller skips their update, as mixed-precision training skips such a step).
  // Every rank sees the same.
  bool overflowed(size_t index) const { return m_buckets[index].overflowed; }
  // The bucket holding node `node`'s gradients; npos when it has none.
  size_t bucketOf(size_t node) const { return node < m_bucketOf.size() ? m_bucketOf[node] : npos; }

  void gradientsReady(size_t node);
  // Ends the step's backward (every gradient is final). `last`, when given, runs on the
  // communication thread after the step's buckets: a collective of its own, in the same place on
  // every rank.
  void close(std::function<void()> last);
  // Waits until bucket `index` of the last closed step is the mean over the ranks. `byForward`:
  // the next step's forward needs it now (the time is remembered for suggestedCutoff()).
  void waitFor(size_t index, bool byForward);
  // Waits for the whole of the last closed step.
  void finish();
  // From the next step on, buckets [0, cutoff) go in backward's order and the rest in forward's.
  // Every rank must set the same cutoff at the same step.
  void setCutoff(size_t cutoff);
  // The cutoff the times measured suggest, for a step whose backward ends at `backwardEndUs`:
  // with the buckets becoming ready as in this step, taking as long as in the step before, and
  // the next forward needing each when the last forward did, the one that leaves forward
  // waiting least (the largest of equals; all of them until forward's needs are known).
  size_t suggestedCutoff(double backwardEndUs);

  // Since the last takeSpans(): the all-reduces run, and the seconds the caller waited in
  // waitFor() and finish() for them (the communication that computation did not hide).
  std::vector<CommSpan> takeSpans();
  double takeExposedSeconds();
  // The all-reduces of the last finished step.
  const std::vector<CommSpan>& lastStepSpans() const { return m_lastStep; }

 private:
  // Starts a new step, once the last closed one is complete. Needs the lock.
  void open(std::unique_lock<std::mutex>& lock);
  void waitUntil(std::unique_lock<std::mutex>& lock, const std::function<bool()>& done);
  void run();
  void reduce(size_t bucket);
  // The mean over the ranks of the bucket's `count` floats at `data`, in place (with fp16 on the
  // wire: scaled before it is sent, and the scale taken out).
  void averageOverRanks(GradientBucket& b, float* data, size_t count);
  // fp16 on the wire: a power of two every rank agrees on, that takes the largest gradient of
  // any rank, times the ranks, to at most 2^12.
  float agreedScale(const float* data, const float* feedback, size_t count);
  void recordSpan(size_t bucket, double startUs, size_t elements);

  Communicator& m_comm;
  WireType m_wire;
  std::vector<GradientBucket> m_buckets;
  std::vector<size_t> m_bucketOf;  // the bucket of a node's gradients

  std::mutex m_mutex;
  std::condition_variable m_changed;
  // The step in flight: its order, how far the thread is, which buckets are ready and done.
  std::vector<size_t> m_order;
  size_t m_next = 0;
  std::vector<char> m_ready, m_done;
  std::vector<double> m_readyUs;
  // When forward first needed each bucket, in µs of its own work since the step before closed
  // (waits left out); NaN until measured.
  std::vector<double> m_neededAfterUs;
  double m_closedUs = 0, m_forwardWaitedUs = 0;
  std::function<void()> m_last;
  bool m_open = false;
  uint64_t m_closedSteps = 0, m_finishedSteps = 0;
  size_t m_cutoff = npos;
  bool m_stopping = false;
  std::exception_ptr m_error;
  std::vector<CommSpan> m_spans;
  std::vector<CommSpan> m_stepSpans, m_lastStep;
  double m_exposedSeconds = 0;
  std::thread m_thread;
};

}  // namespace twb
