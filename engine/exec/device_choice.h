#pragma once

#include <string>
#include <vector>

#include "graph/graph.h"

namespace twb {

// Where a job trains. A job's "device" (train/job_config.h) is a wish checked against the node
// before training starts; left empty, the job takes the node's first GPU when the CUDA backend
// runs every op of the model on kernels already checked on a GPU, else the CPU, and `note` says
// why it did not take the GPU (on a node without the NVIDIA driver the backend is not even
// loaded), or, for a job that named a GPU, which of its ops run on kernels not checked on one.
struct DeviceChoice {
  int cuda = -1;            // GPU index; -1: the CPU
  std::string name;         // "cpu", "cuda:0"
  std::string description;  // "cuda:0 (NVIDIA H200, 139.8 GiB, compute capability 9.0)"
  std::string note;
  std::string pciBusId;  // the GPU's, for its load (exec/gpu_monitor.h)
};

// Throws twb::Error at the field "device" naming what is missing: no CUDA backend or library,
// no GPU, an index beyond the node's GPUs, an op without a CUDA kernel.
DeviceChoice chooseDevice(const std::string& asked, const Graph& graph);

// The graph's ops, once each in order, whose CUDA kernels tests/gpu/cuda_checks has not yet run
// against the CPU backend on a GPU.
std::vector<std::string> opsNotCheckedOnAGpu(const Graph& graph);

}  // namespace twb
