#pragma once

#include <dnnl.hpp>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "core/memory_need.h"
#include "core/rank_collective.h"
#include "exec/int8_placement.h"
#include "exec/parameter_store.h"
#include "exec/precision_policy.h"
#include "exec/step_arena.h"
#include "graph/graph.h"

namespace twb {

class CpuKernel;
class BoundPrimitive;
struct KernelQuant;

enum class ExecMode { train, infer };

// What one node cost in the last profiled forward() / backward() (setProfiling(true)).
struct NodeTiming {
  double forwardStartUs = 0, forwardMs = 0;  // start on the profiler's clock (steadyMicros)
  double backwardStartUs = 0, backwardMs = 0;
  double forwardFlops = 0, backwardFlops = 0;
  double bytes = 0;  // inputs, output and parameters one forward touches, in their own types
  DType compute = DType::f32;
  std::string kernel;  // what computes it (CpuKernel::implementation), or "in <node>"
};

// Microseconds on the steady clock, the time base of NodeTiming and of traces.
double steadyMicros();

struct ExecOptions {
  ExecMode mode = ExecMode::train;
  bool inputGradients = false;  // also compute gradients of the graph's f32 inputs (tests)
  Precision precision = Precision::fp32;
  const QuantPlan* quant = nullptr;  // int8: the calibrated plan (must outlive the executor)
  // Training: BatchNorm normalises with the statistics of the whole batch over these ranks
  // (synchronized BatchNorm; must outlive the executor); null: with this rank's share's.
  RankCollective* batchNormRanks = nullptr;
  // Inference on weights that do not change after construction, reading only the graph's
  // outputs (bench, predict): weights are laid out (or transformed, for Winograd's 3x3
  // convolution) for their kernels once, and a kernel may compute the node after it in one
  // primitive, never storing the value between them, or add a residual shortcut into the
  // shortcut's buffer in place (read() refuses both values). Not for
  // evaluation during training or calibration.
  bool frozen = false;
  // Every value and gradient in a buffer of its own, readable after the step, instead of sharing
  // the step's arena by their lives (calibration and the quantizer's checks read every value;
  // tests compare the two).
  bool keepEveryValue = false;
  // fp32 3x3 convolutions by Winograd's F(4x4, 3x3) where it pays (backend/cpu/winograd_conv3x3.h):
  // faster, rounding to about 1e-5 of a layer's largest output. False: every convolution sums
  // directly, as PyTorch's do on a CPU (a job's "allow_winograd").
  bool winograd = true;
};

// A graph compiled for the CPU at one batch size: every kernel prepared, every buffer (values,
// gradients, workspaces, one shared scratchpad) allocated and every primitive bound before the
// first step, so forward() and backward() allocate nothing. A step's values (and a training
// step's gradients) share one arena by their lives (exec/step_arena.h). Values stay in the layouts
// their producers chose (blocked between convolutions); only the graph's edges are plain.
class Executor {
 public:
  Executor(Graph graph, ParameterStore& params, ExecOptions options = {});
  ~Executor();
  // What an executor of `graph` allocates (its values and their gradients in the layouts its
  // kernels choose, their transformed weights and scratchpad, and the layout copies convolutions
  // make as they bind), worked out from its plan without making any of it; not the other kernels'
  // binding (pooling's indices, BatchNorm's workspace: measured as a built executor binds).
  // `params` is read only under int8.
  static MemoryNeed plannedNeed(Graph graph, const ParameterStore& params, ExecOptions options);
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  const Graph& graph() const { return m_graph; }

  // The plain buffer of a graph input (f32, or s32 for labels); fill it before forward().
  void* inputBuffer(const std::string& name);
  void forward();
  // Backpropagates the gradients set on the outputs (a loss output's stays 1 once set).
  void backward();
  void setRandomSeed(uint64_t seed) { m_seed = seed; }
  // Called after each node's backward with its index, once the gradients of its parameters are
  // final (data-parallel training starts reducing them while backward goes on).
  void setBackwardListener(std::function<void(size_t node)> listener) {
    m_backwardListener = std::move(listener);
  }
  // Called before each node's forward with its index (data-parallel training updates the
  // node's parameters there, once their gradients of the step before are averaged).
  void setForwardListener(std::function<void(size_t node)> listener) {
    m_forwardListener = std::move(listener);
  }
  // Times every node of the following steps (a clock read around each kernel; off by default).
  void setProfiling(bool on) { m_profiling = on; }
  const std::vector<NodeTiming>& nodeTimings() const { return m_timings; }

  // Plain f32 copies (int8 values dequantized), for outputs, tests, calibration and evaluation;
  // only of the graph's inputs and outputs, unless keepEveryValue.
  std::vector<float> read(const std::string& value) const;
  std::vector<float> readGradient(const std::string& value) const;
  void setGradient(const std::string& output, const std::vector<float>& plain);
  // FLOPs one forward() (and backward(), when training) performs: each node's forward FLOPs,
  // once more for its weight gradient and once more for its input gradient where it computes
  // them (a first layer computes no input gradient).
  double flopsPerStep() const;
  // Whether a value is stored row-major (nchw, nc) rather than in a layout a primitive chose
  // (nhwc, nChw16c, ...).
  bool isPlainLayout(const std::string& value) const;
  // Whether a value's buffer is plain f32, as logits and losses always are.
  bool isPlainF32(const std::string& value) const;
  // The buffer of a plain f32 value (logits, a loss); throws for any other.
  const float* plainValue(const std::string& value) const;

 private:
  struct Slot {
    dnnl::memory value, grad;
    // In buffers of their own, not the step's arena, whose bytes later nodes reuse.
    bool valueKept = false, gradientKept = false;
    std::vector<dnnl::memory> consumerGrads;  // one per consumer when there are several
    std::unique_ptr<BoundPrimitive> sum;     // adds consumerGrads into grad
  };
  // Construction, in three passes: choose every value's layout, allocate values and gradients,
  // then bind each kernel to its buffers. This one makes none of them (plannedNeed()).
  Executor(Graph graph, ExecOptions options);
  std::vector<dnnl::memory::desc> prepareKernels(const ParameterStore& params);
  // A conversion of one input before a node runs: int8 values dequantized for an fp32 op, fp32
  // values quantized for an int8 one (real = q * scale).
  struct InputCast {
    size_t input = 0;
    dnnl::memory::desc to;
    float scale = 1;  // the int8 side's
  };
  // Under int8: the types a node computes in and writes, its scales, and the casts its inputs
  // need; records the scale of its output when that is int8.
  void chooseInt8(size_t n, std::vector<dnnl::memory::desc>& in, CpuKernel& kernel,
                  const ParameterStore& params);
  // Frozen fp32 inference: the node that node `n`'s kernel may absorb (CpuKernel::absorb), the
  // only reader of its output, the output not a graph output, reading nothing else or one
  // residual (residualOf()); int8 inference: a sum of n's int8 output and an int8 residual into
  // an int8 value, both nodes placed in int8; else -1.
  int absorbableReader(size_t n) const;
  // Under int8, after `kernel` absorbed the sum into value `sum` of its output and `residual`:
  // it writes the sum's type and scale and adds the residual at its scale.
  void sumInt8Into(CpuKernel& kernel, int sum, int residual);
  // The value other than node n's output that two-input node `reader` reads, when node n's
  // kernel may add into its buffer in place: computed by a node before n, read by no node
  // after n but `reader`, not a graph output; else -1.
  int residualOf(size_t n, int reader) const;
  // Per value: the residual whose buffer it is summed into in place (CpuKernel::absorb), or -1;
  // records the reverse in m_summedInto.
  std::vector<int> valuesSummedInPlace();
  // Per value: whether the step keeps its gradient (exec/gradient_values.h).
  std::vector<bool> gradientNeeds() const;
  // Where the step keeps each value and gradient: in an arena shared by their lives, unless
  // keepEveryValue. `inPlaceOf` from valuesSummedInPlace().
  StepPlacement placeStep(const std::vector<dnnl::memory::desc>& layouts,
                          const std::vector<bool>& needsGrad,
                          const std::vector<int>& inPlaceOf) const;
  // The step's values, their gradients and the kernels' buffers known from the plan.
  MemoryNeed stepNeed(const std::vector<dnnl::memory::desc>& layouts,
                      const StepPlacement& placement, const std::vector<bool>& needsGrad,
                      const std::vector<int>& inPlaceOf) const;
  // Checks stepNeed() against `available`, then allocates it: returns that sum, for the check
  // after binding.
  MemoryNeed allocateBuffers(const std::vector<dnnl::memory::desc>& layouts,
                             const AvailableMemory& available);
  void allocateSlots(const std::vector<dnnl::memory::desc>& layouts, const StepPlacement& placement,
                     const std::vector<bool>& needsGrad, const std::vector<int>& inPlaceOf);
  void bindKernels(const std::vector<dnnl::memory::desc>& layouts, ParameterStore& params);
  void copyPlain(const dnnl::memory& from, const dnnl::memory& to, float scale = 1) const;

  Graph m_graph;
  ExecOptions m_options;
  std::vector<std::unique_ptr<CpuKernel>> m_kernels;
  std::vector<Slot> m_slots;
  Int8Placement m_placement;                           // int8 only
  std::vector<float> m_valueScales;                    // of int8 values; 0 for the others
  std::vector<std::vector<InputCast>> m_castPlans;     // per node
  std::vector<std::vector<BoundPrimitive>> m_casts;    // per node, run before it
  size_t m_scratchpadBytes = 0;                        // the largest a kernel asks for
  std::shared_ptr<void> m_scratchpad;
  std::shared_ptr<void> m_arena;  // values and gradients by their lives (step_arena.h)
  MemoryReservation m_unwritten;  // the buffers, until the first step writes them
  double m_flopsPerStep = 0;
  bool m_profiling = false;
  std::vector<NodeTiming> m_timings;  // one per node
  std::vector<int> m_absorbedBy;      // per node: the node whose kernel computes it, or -1
  std::vector<int> m_summedInto;      // per value: the sum stored in its buffer in place, or -1
  uint64_t m_seed = 0;
  std::function<void(size_t)> m_forwardListener, m_backwardListener;
};

}  // namespace twb
