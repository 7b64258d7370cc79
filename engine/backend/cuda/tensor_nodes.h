#pragma once

#include <memory>
#include <string>
#include <vector>

#include "backend/cuda/cuda_nodes.h"

// The CUDA nodes of the ops on tensors of any rank (a Vision Transformer's attention and token
// path, an imported model's arithmetic): Softmax, LogSoftmax, LayerNorm, Transpose, Reshape,
// ReduceMean, ReduceSum, MatMul and MSE here, broadcast_nodes.h's and piece_nodes.h's, all on the
// kernels of row_ops.h and index_ops.h. Their rank-4 values are read in NCHW order: channels-last
// plans keep such graphs NCHW (exec/gpu_executor.h's channelsLastFor), and are refused here
// otherwise.
namespace twb::gpu {

const std::vector<std::string>& tensorOps();

// Null when the node's op is none of tensorOps(); throws twb::Error for one that is but cannot
// run here (the caller names the node). `node` is an element of plan.nodes (its index seeds a
// Dropout's masks).
std::unique_ptr<CudaNode> makeTensorNode(const GpuPlan& plan, const PlanNode& node,
                                         NodeBuffers& buffers);

}  // namespace twb::gpu
