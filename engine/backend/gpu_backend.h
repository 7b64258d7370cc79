#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/shape.h"

// The boundary between the engine and a GPU backend (backend/cuda), which is a plugin the engine
// loads at run time (exec/gpu_loader.h): the engine runs on nodes without CUDA, and a node's own
// CUDA libraries are found when a job asks for a GPU. The plugin depends on nothing of the engine
// but header-only types, so everything crossing this boundary is plain data: the engine lowers
// its Graph into a GpuPlan, the plugin compiles that plan once and runs its steps.
namespace twb::gpu {

struct DeviceInfo {
  int index = 0;
  std::string name;
  int64_t totalBytes = 0;
  int64_t freeBytes = 0;     // measured when a plan is compiled: listing selects no device
  int major = 0, minor = 0;  // compute capability
  int multiprocessors = 0;
  bool bf16 = false, tf32 = false;  // tensor-core support (compute capability >= 8.0)
  std::string pciBusId;             // "0000:3b:00.0": how NVML finds the same GPU
};

struct PlanValue {
  std::string name;
  Shape shape;            // batched
  bool labels = false;    // s32 class indices (a loss's target)
  bool bf16 = false;      // stored in bf16 (mixed precision); otherwise f32
  bool gradient = false;  // gets a gradient buffer
};

struct PlanParam {
  std::string name;  // "fc1.weight"
  Shape shape;
  bool trainable = true;
};

struct PlanNode {
  std::string name, op;
  nlohmann::json attrs;     // the op's validated attributes, defaults filled in
  std::vector<int> inputs;  // value indices
  int output = -1;
  std::vector<int> params;  // parameter indices, in the op's ParamSpec order
  bool bf16 = false;        // computes in bf16 (exec/precision_policy.h)
};

struct PlanOptimizer {
  std::string type = "sgd";  // sgd | adam | adamw: PyTorch's formulas, as train/optimizer.cpp
  float momentum = 0, weightDecay = 0, beta1 = 0.9f, beta2 = 0.999f, eps = 1e-8f;
  bool nesterov = false;
};

struct GpuPlan {
  int device = 0;
  std::vector<PlanValue> values;
  std::vector<PlanNode> nodes;  // execution order
  std::vector<PlanParam> params;
  std::vector<int> inputs;  // graph inputs: filled through inputBuffer()
  std::string loss;         // the loss value ("loss"); empty: no training
  std::string logits;       // copied to the host after every step
  bool training = true;
  bool allowTf32 = false;  // fp32 matrix products on TF32 tensor cores
  bool allowWinograd = true;  // cuDNN's Winograd convolution algorithms among those timed
  bool cudaGraph = true;   // step() replays one captured CUDA graph after the first steps
  // Images (N, C, H, W) are stored NHWC on the GPU, the layout of cuDNN's tensor-core kernels;
  // what crosses this boundary (inputs, read(), gradients, parameters) stays NCHW.
  bool channelsLast = false;
  // Only algorithms that give the same bits every run (bit-identical resume, graph replay equal
  // to eager launches); false lets cuDNN's faster atomic ones in, to measure what that costs.
  bool deterministic = true;
  // The node's file of cuDNN's timed convolution algorithms (backend/cuda/conv_algorithms.h):
  // every process picks what the first one timed. Empty: remembered in this process only.
  std::string algorithmCache;
  PlanOptimizer optimizer;
};

// A node's share of a profiled step, timed by CUDA events on the GPU's clock: milliseconds, the
// starts counted from the step's first forward.
struct NodeTimes {
  double forwardStartMs = 0, forwardMs = 0;
  double backwardStartMs = 0, backwardMs = 0;
  std::string implementation;  // "cuBLASLt", "CUDA kernel", "cuDNN forward IMPLICIT_GEMM, ..."
};

// One plan compiled for one GPU: every buffer allocated at construction, nothing per step.
class GpuSession {
 public:
  virtual ~GpuSession() = default;
  // Pinned host staging of a graph input (f32, s32 for labels); copied to the GPU each step.
  virtual void* inputBuffer(const std::string& name) = 0;
  // Parameters (f32 master copies, plan order) and optimizer state (trainable parameter j,
  // state s at state[j * perParam + s]); `steps` is the optimizer's step count.
  virtual void upload(const std::vector<const float*>& params,
                      const std::vector<const float*>& state, int64_t steps) = 0;
  virtual void download(const std::vector<float*>& params, const std::vector<float*>& state) = 0;
  virtual int stateTensorsPerParam() const = 0;
  virtual int64_t optimizerSteps() const = 0;

  // A whole training step: inputs to the GPU, forward, backward, optimizer update, loss and
  // logits back; returns once they are on the host (loss(), logits()).
  virtual void step(float lr) = 0;
  // The seed of the following steps' random draws (dropout's masks, from it, the node and the
  // element), as the CPU executor's setRandomSeed: a resumed run draws the same masks.
  virtual void setRandomSeed(uint64_t seed) = 0;
  // The same in parts, so that the next batch is loaded and copied while this one computes:
  // prefetch() copies the staged inputs to the GPU on a copy stream (after the step that
  // still reads the previous ones has taken them); launchStep() starts a step on the
  // prefetched inputs (prefetching first when nothing is) and returns at once, after which
  // the staging buffers may be refilled; finishStep() waits for it.
  virtual void prefetch() = 0;
  virtual void launchStep(float lr) = 0;
  virtual void finishStep() = 0;
  // A whole step as step() does it, but launched eagerly with CUDA events around each node's
  // forward and backward (the same bits as a replayed step); returns when it is done, with each
  // node's times in plan order.
  virtual std::vector<NodeTimes> profiledStep(float lr) = 0;
  virtual float loss() const = 0;
  virtual const float* logits() const = 0;

  // The parts of a step, eager, for tests that compare each op with the CPU backend.
  virtual void forward() = 0;
  virtual void backward() = 0;
  virtual std::vector<float> read(const std::string& value) = 0;          // as f32
  virtual std::vector<float> readGradient(const std::string& value) = 0;  // as f32
  virtual std::vector<float> readParamGradient(size_t param) = 0;
  virtual void setGradient(const std::string& value, const std::vector<float>& plain) = 0;
  // GPU memory the session holds, in bytes.
  virtual int64_t deviceBytes() const = 0;
  // Whether step() now replays a captured graph.
  virtual bool replaying() const = 0;
};

class GpuBackend {
 public:
  virtual ~GpuBackend() = default;
  virtual std::string version() const = 0;  // "CUDA runtime 13.0, cuBLASLt 13.0.0"
  // The node's GPUs, listed without selecting one (cudaSetDevice creates a context, which would
  // keep GPU memory in a daemon that only checks a job's device).
  virtual std::vector<DeviceInfo> devices() = 0;
  // Ops this backend runs (the engine checks a plan against it before compiling).
  virtual std::vector<std::string> ops() const = 0;
  // Bytes of GPU memory a plan needs; compile() refuses a plan that does not fit.
  virtual int64_t planBytes(const GpuPlan& plan) const = 0;
  // The cuBLASLt rate of an n x n x n product on `device`, in TFLOP/s (random operands, median
  // of timed runs): the peak a benchmark reports its matrix work against.
  virtual double matmulTflops(int device, int64_t n, bool bf16, bool tf32) = 0;
  // Throws twb::Error naming the node, field or numbers when the plan cannot run.
  virtual std::unique_ptr<GpuSession> compile(const GpuPlan& plan) = 0;
};

}  // namespace twb::gpu

// The one symbol the plugin exports.
extern "C" twb::gpu::GpuBackend* twb_cuda_backend();
