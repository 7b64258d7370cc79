#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/cuda/cuda_nodes.h"

// The CUDA nodes of ops that broadcast one operand over another: Bias and LayerScale (a learned
// tensor), Mul, Sub and Div (two values). Part of the tensor nodes (tensor_nodes.h).
namespace twb::gpu {

const std::vector<std::string>& broadcastOps();

// Null when the node's op is none of broadcastOps().
std::unique_ptr<CudaNode> makeBroadcastNode(const GpuPlan& plan, const PlanNode& node,
                                            NodeBuffers& buffers);

}  // namespace twb::gpu
