#pragma once

// Factories of the CPU kernels, one per op family; makeCpuKernel() in cpu_kernel_list.cpp maps
// op names to them.
#include "backend/cpu/cpu_kernel.h"

namespace twb {

std::unique_ptr<CpuKernel> makeCpuLinear();
std::unique_ptr<CpuKernel> makeCpuConv2d();
std::unique_ptr<CpuKernel> makeCpuPooling();
std::unique_ptr<CpuKernel> makeCpuBatchNorm();
std::unique_ptr<CpuKernel> makeCpuActivation();
std::unique_ptr<CpuKernel> makeCpuDropout();
std::unique_ptr<CpuKernel> makeCpuReshape();
std::unique_ptr<CpuKernel> makeCpuAdd();
std::unique_ptr<CpuKernel> makeCpuConcat();
std::unique_ptr<CpuKernel> makeCpuSoftmax();
std::unique_ptr<CpuKernel> makeCpuSoftmaxCrossEntropy();
std::unique_ptr<CpuKernel> makeCpuMse();

}  // namespace twb
