#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/cuda/cuda_nodes.h"

// The CUDA nodes of ops that join or cut tensors along an axis: Concat, Slice, and
// PrependTokens (learned tokens before each sample's). Part of the tensor nodes (tensor_nodes.h).
namespace twb::gpu {

const std::vector<std::string>& pieceOps();

// Null when the node's op is none of pieceOps().
std::unique_ptr<CudaNode> makePieceNode(const GpuPlan& plan, const PlanNode& node,
                                        NodeBuffers& buffers);

}  // namespace twb::gpu
