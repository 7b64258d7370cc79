#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/gpu_backend.h"
#include "core/user_folders.h"
#include "exec/parameter_store.h"
#include "exec/precision_policy.h"
#include "graph/graph.h"

namespace twb {

struct GpuExecOptions {
  int device = 0;
  Precision precision = Precision::fp32;
  bool training = true;
  bool allowTf32 = false;
  bool allowWinograd = true;  // gpu::GpuPlan::allowWinograd
  bool cudaGraph = true;
  bool channelsLast = false;     // gpu::GpuPlan::channelsLast; jobs: channelsLastFor()
  bool inputGradients = false;   // also the gradients of the graph's f32 inputs (tests)
  bool deterministic = true;     // gpu::GpuPlan::deterministic
  std::string algorithmCache = userFolder(UserFolder::cache) + "/cudnn-algorithms.json";
  gpu::PlanOptimizer optimizer;  // the trainer translates the job's optimizer
  std::string logits;            // the value copied back after every step
};

// The layout a job's images take on the GPU: cuDNN's tensor-core convolutions (bf16, TF32) read
// NHWC; fp32 on FMA stays NCHW, as PyTorch's default, until a GPU measures otherwise. A plan
// stores every rank-4 value of the graph NHWC or none, so a graph whose rank-4 values are not
// all images between convolutions (a ViT's attention heads, transposed and multiplied) stays NCHW.
bool channelsLastFor(const Graph& graph, Precision precision, bool allowTf32);

// A graph compiled for a GPU through the CUDA backend plugin (exec/gpu_loader.h): the engine's
// side of the boundary. It lowers the graph into plain data with the same precision rules and
// gradient flow as the CPU executor, and moves parameters and optimizer state between the host
// (the ParameterStore's fp32 masters that checkpoints, evaluation and export read, and the
// optimizer's state tensors, which the trainer owns) and the GPU.
class GpuExecutor {
 public:
  GpuExecutor(const Graph& graph, const ParameterStore& params, GpuExecOptions options);

  // The lowered plan, for checks before anything is allocated.
  static gpu::GpuPlan lower(const Graph& graph, const GpuExecOptions& options);

  void* inputBuffer(const std::string& name) { return m_session->inputBuffer(name); }
  // Parameters and optimizer state host -> GPU, and back. `state` holds, for trainable parameter
  // j and state tensor s, state[j * session().stateTensorsPerParam() + s] (train/optimizer.h's
  // order); empty: none yet. `steps` is the optimizer's step count.
  void upload(const ParameterStore& params, const std::vector<const float*>& state = {},
              int64_t steps = 0);
  void download(ParameterStore& params, const std::vector<float*>& state = {});
  void step(float lr) { m_session->step(lr); }
  void setRandomSeed(uint64_t seed) { m_session->setRandomSeed(seed); }
  float loss() const { return m_session->loss(); }
  const float* logits() const { return m_session->logits(); }
  gpu::GpuSession& session() { return *m_session; }
  const gpu::GpuPlan& plan() const { return m_plan; }

 private:
  gpu::GpuPlan m_plan;
  std::unique_ptr<gpu::GpuSession> m_session;
};

}  // namespace twb
