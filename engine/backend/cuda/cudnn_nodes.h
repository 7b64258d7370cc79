#pragma once

#include <cudnn.h>

#include <memory>

#include "backend/cuda/cuda_nodes.h"

namespace twb::gpu {

// Conv2d, BatchNorm2d, MaxPool2d and AvgPool2d on cuDNN, NCHW as the engine lays tensors out.
// Null when `node` is not one of them; throws twb::Error when its attributes are not supported.
std::unique_ptr<CudaNode> makeCudnnNode(const GpuPlan& plan, const PlanNode& node, NodeBuffers b,
                                        cudnnHandle_t dnn);

}  // namespace twb::gpu
