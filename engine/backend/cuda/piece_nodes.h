#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/cuda/cuda_nodes.h"

// The CUDA nodes of ops that join, cut or gather pieces of tensors: Concat, Slice, PrependTokens
// (learned tokens before each sample's) and Embedding (a table's rows by id). Part of the tensor
// nodes (tensor_nodes.h).
namespace twb::gpu {

const std::vector<std::string>& pieceOps();

// Null when the node's op is none of pieceOps().
std::unique_ptr<CudaNode> makePieceNode(const GpuPlan& plan, const PlanNode& node,
                                        NodeBuffers& buffers);

}  // namespace twb::gpu
