#pragma once

#include <cublasLt.h>
#include <cuda_runtime.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "backend/cuda/cuda_kernels.h"
#include "backend/cuda/cuda_nodes.h"
#include "backend/cuda/memory_plan.h"
#include "backend/gpu_backend.h"

namespace twb::gpu {

// A plan compiled for one GPU (backend/gpu_backend.h). One device allocation holds every buffer
// (memory_plan.h); pinned host buffers hold the inputs, the loss and the logits. step() enqueues
// the copies in, forward, backward, the fused optimizer update and the copies out on one stream;
// from the third step on it replays them as one captured CUDA graph. Inputs reach the GPU on
// a copy stream of their own, into landing buffers, while the step before computes.
class CudaSession : public GpuSession {
 public:
  CudaSession(const GpuPlan& plan, const CudaLibraries& libraries);
  ~CudaSession() override;

  void* inputBuffer(const std::string& name) override;
  void upload(const std::vector<const float*>& params, const std::vector<const float*>& state,
              int64_t steps) override;
  void download(const std::vector<float*>& params, const std::vector<float*>& state) override;
  int stateTensorsPerParam() const override { return m_memory.stateTensors; }
  int64_t optimizerSteps() const override { return m_optimizerSteps; }

  void step(float lr) override;
  void setRandomSeed(uint64_t seed) override { m_hostScalars->seed = seed; }
  void prefetch() override;
  void launchStep(float lr) override;
  void finishStep() override;
  std::vector<NodeTimes> profiledStep(float lr) override;
  float loss() const override { return *m_hostLoss; }
  const float* logits() const override { return m_hostLogits; }

  void forward() override;
  void backward() override;
  std::vector<float> read(const std::string& value) override;
  std::vector<float> readGradient(const std::string& value) override;
  std::vector<float> readParamGradient(size_t param) override;
  void setGradient(const std::string& value, const std::vector<float>& plain) override;
  int64_t deviceBytes() const override { return m_memory.totalBytes; }
  bool replaying() const override { return m_graphExec != nullptr; }

 private:
  char* at(int64_t offset) const { return offset < 0 ? nullptr : m_device + offset; }
  int valueIndex(const std::string& name) const;
  // Whether value v is an image stored NHWC (GpuPlan::channelsLast); the host sees it NCHW.
  bool channelsLast(int v) const {
    return m_plan.channelsLast && m_plan.values[v].shape.size() == 4;
  }
  NodeBuffers buffersOf(size_t node, std::vector<bool>& gradientWritten) const;
  // Labels outside the classes would read past the logits: refused on the host first.
  void checkLabels() const;
  void takePrefetched();
  // Prefetched inputs from their landing buffers into the values the nodes read.
  void enqueueInputs();
  void checkNodes();  // after the stream has finished a step: CudaNode::checkAfterStep
  void enqueueForward();
  void enqueueBackward();
  void enqueueUpdate();
  void enqueueOutputs();
  void enqueueStep();
  // The host side of a step before it is enqueued: its inputs taken, the scalars it reads set.
  void beginStep(float lr);
  std::vector<float> readDevice(const void* source, int64_t elements, bool bf16);
  void refreshShadow();

  GpuPlan m_plan;
  MemoryPlan m_memory;
  cudaStream_t m_stream = nullptr;
  cudaStream_t m_copyStream = nullptr;
  cudaEvent_t m_inputsCopied = nullptr;  // on the copy stream: the landing buffers are full
  cudaEvent_t m_landingFree = nullptr;   // on the compute stream: a step has taken them
  bool m_prefetched = false;
  char* m_device = nullptr;
  std::vector<std::unique_ptr<CudaNode>> m_nodes;
  std::map<std::string, void*> m_hostInputs;  // pinned
  float* m_hostLoss = nullptr;
  float* m_hostLogits = nullptr;
  StepScalars* m_hostScalars = nullptr;
  int m_lossValue = -1, m_logitsValue = -1;
  int64_t m_optimizerSteps = 0, m_steps = 0;
  std::vector<cudaEvent_t> m_profileEvents;  // made on the first profiled step
  cudaGraph_t m_graph = nullptr;
  cudaGraphExec_t m_graphExec = nullptr;
};

}  // namespace twb::gpu
